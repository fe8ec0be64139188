import fs from 'node:fs/promises';
import { statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';

const WHY: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOENT: 'its folder cannot be created or written there',
  ENOTDIR: 'part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
};

/**
 * Runs `write(tmp)` against a temp file beside `file` and renames it into place, so a reader never
 * sees a half-written report; on failure the temp file is removed and the old report stays. A path
 * that cannot be written (a folder, no permission, a full disk) is bad input, said in one paragraph.
 */
export async function writeAtomically<T>(
  file: string,
  write: (tmp: string) => Promise<T>,
  example = 'report',
): Promise<T> {
  checkOutputPath(file, example);
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
    const result = await write(tmp);
    await fs.rename(tmp, file);
    return result;
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    const e = err as NodeJS.ErrnoException;
    // Only a failure on this file or its folder is about the path; anything else (a control store
    // gone while the report was read from it) stays what it is.
    const ours = (p?: string) =>
      p !== undefined && (p === tmp || path.resolve(file).startsWith(path.resolve(p)));
    if (e?.syscall && e.code && ours(e.path))
      throw new UsageError(
        `Cannot write ${file}: ${WHY[e.code] ?? e.code}.`,
        'Nothing was written there. Choose another path (--out), or fix the folder, and run the command again.',
        { cause: err },
      );
    throw err;
  }
}

/** Refuses an output path that is an existing folder (the usual slip: `--out reports/`). */
function checkOutputPath(file: string, example = 'report'): void {
  let dir = /[/\\]$/.test(file);
  try {
    dir ||= statSync(file).isDirectory();
  } catch {
    // missing: it will be created
  }
  if (dir)
    throw new UsageError(
      `${file} is a folder; a file name is needed to write to.`,
      `Give a file path inside it, such as ${path.join(file, example)}; missing folders are created.`,
    );
}

/**
 * Creates a folder reports go into, or says in one paragraph why it cannot be (a file in the way,
 * no permission): checked before a run starts, so no run is left half-begun.
 */
export async function ensureFolder(dir: string, what: string, hint: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new UsageError(`${what} ${dir} cannot be created: ${WHY[code] ?? code}.`, hint, { cause: err });
  }
}

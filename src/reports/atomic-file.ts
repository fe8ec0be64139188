import fs from 'node:fs/promises';
import { lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { ERRNO_WHY } from '../util/errno-text.js';
import { removedIfInterrupted } from '../util/spill-dirs.js';

/**
 * Runs `write(tmp)` against a temp file beside `file` and renames it into place, so a reader never
 * sees a half-written report; on failure the temp file is removed and the old report stays. Only a
 * regular file (or a path that does not exist yet) is replaced that way: a character device or a
 * FIFO (`/dev/null`, `/dev/stdout` into a pipe) is written through, a symbolic link stays and what it
 * points to is written, and a block device or a socket is refused. A path that cannot be written (a
 * folder, no permission, a full disk) is bad input, said in one paragraph.
 */
export async function writeAtomically<T>(
  file: string,
  write: (tmp: string) => Promise<T>,
  example = 'report',
): Promise<T> {
  checkOutputPath(file, example);
  const target = outputTarget(file);
  if (target.through) {
    try {
      return await write(file);
    } catch (err) {
      throw pathError(err, file, (p) => p === file || path.resolve(p) === target.path);
    }
  }
  const real = target.path;
  const tmp = path.join(path.dirname(real), `.${path.basename(real)}.${process.pid}.${Date.now()}.tmp`);
  // Interrupted (Ctrl-C, SIGTERM) while writing: the temp file goes with the process.
  const written = removedIfInterrupted(tmp);
  try {
    await fs.mkdir(path.dirname(real), { recursive: true });
    const result = await write(tmp);
    await fs.rename(tmp, real);
    written();
    return result;
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    written();
    // Only a failure on this file or its folder is about the path; anything else (a control store
    // gone while the report was read from it) stays what it is.
    throw pathError(
      err,
      file,
      (p) => p === tmp || real.startsWith(path.resolve(p)) || path.resolve(file).startsWith(path.resolve(p)),
    );
  }
}

/**
 * A disk's refusal of a write, which Node reports without the file's path (`fs.writeFile`, a write
 * stream): raised while the report is written, it is about the report's file.
 */
const DISK_REFUSALS = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 'EIO', 'EROFS']);

/** A file system error on the output path as bad input (exit 2); anything else unchanged. */
function pathError(err: unknown, file: string, ours: (p: string) => boolean): unknown {
  const e = err as NodeJS.ErrnoException;
  const aboutFile =
    e?.path !== undefined ? ours(e.path) : e?.syscall === 'write' && DISK_REFUSALS.has(e.code ?? '');
  if (e?.syscall && e.code && aboutFile)
    return new UsageError(
      `Cannot write ${file}: ${ERRNO_WHY[e.code] ?? e.code}.`,
      'Nothing was written there. Choose another path (--out), or fix the folder, and run the command again.',
      { cause: err },
    );
  return err;
}

/**
 * How to write `file`: replaced through a temp file and a rename (a regular file, or nothing there
 * yet; through a symbolic link, the file it points to), or written through in place (a character
 * device or a FIFO, which a rename would replace with a regular file). Anything else is refused.
 */
function outputTarget(file: string): { through: boolean; path: string } {
  const resolved = path.resolve(file);
  let entry: Stats;
  try {
    entry = lstatSync(resolved);
  } catch {
    return { through: false, path: resolved }; // missing: created by the rename
  }
  let stats = entry;
  if (entry.isSymbolicLink()) {
    try {
      stats = statSync(resolved);
    } catch {
      throw new UsageError(
        `${file} is a symbolic link to something that does not exist; cutover does not replace a link.`,
        'Give the path of a file, or create what the link points to first.',
      );
    }
  }
  if (stats.isFile())
    return { through: false, path: entry.isSymbolicLink() ? realpathSync(resolved) : resolved };
  if (stats.isCharacterDevice() || stats.isFIFO()) return { through: true, path: resolved };
  throw new UsageError(
    `${file} is ${stats.isBlockDevice() ? 'a block device' : stats.isSocket() ? 'a socket' : 'not a regular file'}; cutover writes reports only to files, character devices and pipes.`,
    'Nothing was written. Give the path of a file (missing folders are created), or --out - for stdout where the command offers it.',
  );
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
    throw new UsageError(`${what} ${dir} cannot be created: ${ERRNO_WHY[code] ?? code}.`, hint, { cause: err });
  }
}

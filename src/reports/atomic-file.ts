import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Runs `write(tmp)` against a temp file beside `file` and renames it into place, so a reader never
 * sees a half-written report; on failure the temp file is removed and the old report stays.
 */
export async function writeAtomically<T>(file: string, write: (tmp: string) => Promise<T>): Promise<T> {
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const result = await write(tmp);
    await fs.rename(tmp, file);
    return result;
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

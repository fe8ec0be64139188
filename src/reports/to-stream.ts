// `--out -`: a report for stdout is written whole to a private temp file first, then copied to the
// stream, so a failure half-way prints nothing half-written.
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

/** Is this `--out` value the conventional "standard output"? */
export const isStdout = (out: string | undefined): boolean => out === '-';

/** Runs `write(file)` on a file in a fresh temp folder, copies the file to `out`, removes the folder. */
export async function writeToStream<T>(
  out: NodeJS.WritableStream,
  name: string,
  write: (file: string) => Promise<T>,
): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cutover-out-'));
  try {
    const result = await write(path.join(dir, name));
    await pipeline(createReadStream(path.join(dir, name)), out, { end: false });
    return result;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

import { errnoText } from '../util/errno-text.js';

/**
 * What a command does when standard output cannot take what it writes. oclif's own listener
 * rethrows any stdout error but EPIPE, so a full disk behind `> file` crashed the process with
 * Node's stack trace and exit 1; and a reader that went away (`| head`) reached the command as a
 * file error ("Cannot write: EPIPE. Check that path…", exit 2). Here:
 * - a reader that went away (EPIPE) is no error: the rest of the output is dropped and the command
 *   ends with its own exit code, as Unix tools do;
 * - any other failure of stdout (ENOSPC, EIO…) is the user's environment: one paragraph on stderr
 *   and exit 2 (the output was cut short), however far the command got;
 * - stderr's own failures are dropped: there is nowhere left to say them, and the exit code still
 *   says how the work went.
 */
let guarded = false;
/** The first error stdout raised, if any. */
let stdoutError: NodeJS.ErrnoException | undefined;

/** Replaces oclif's listeners on stdout and stderr with the rules above (once per process). */
export function guardStdStreams(): void {
  if (guarded) return;
  guarded = true;
  process.stdout.removeAllListeners('error');
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (stdoutError) return; // a write after the first failure: already said
    stdoutError = err;
    if (err.code === 'EPIPE') return;
    process.exitCode = 2;
    process.stderr.write(`Error: ${stdoutParagraph(err)}\n`);
  });
  process.stderr.on('error', () => undefined);
}

/** Whether `err` is the error stdout raised (a command's write to stdout rejected with it). */
export function isStdoutError(err: unknown): boolean {
  return err !== undefined && err === stdoutError;
}

/** Whether stdout failed other than by its reader going away: the command then exits 2. */
export function stdoutFailed(): boolean {
  return stdoutError !== undefined && stdoutError.code !== 'EPIPE';
}

function stdoutParagraph(err: NodeJS.ErrnoException): string {
  return `Cannot write to standard output (${errnoText(err.code ?? String(err))}): the output was cut short. Free some space where it goes, or send it elsewhere, and run the command again.`;
}

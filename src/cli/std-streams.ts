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
/** The first error stdout raised, if any. */
let stdoutError: NodeJS.ErrnoException | undefined;

function onStdoutError(err: NodeJS.ErrnoException): void {
  if (stdoutError) return; // a write after the first failure: already said
  stdoutError = err;
  if (err.code === 'EPIPE') return;
  // At least 2: a code already set higher (a fault in cutover, 3) stays.
  process.exitCode = Math.max(Number(process.exitCode ?? 0), 2);
  process.stderr.write(`Error: ${stdoutParagraph(err)}\n`);
}

function onStderrError(): void {}

/**
 * Puts the rules above on stdout and stderr, in place of any other 'error' listener there (oclif's,
 * which rethrows): call it before any output, and again after loading code that may add one.
 */
export function guardStdStreams(): void {
  for (const [stream, own] of [
    [process.stdout, onStdoutError],
    [process.stderr, onStderrError],
  ] as const) {
    for (const l of stream.listeners('error')) if (l !== own) stream.off('error', l as (e: Error) => void);
    if (!stream.listeners('error').includes(own)) stream.on('error', own);
  }
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
  const code = err.code ?? String(err);
  const hint =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? 'Free some space where it goes, or send it elsewhere, and run the command again.'
      : 'Check where standard output goes (a file, a device or a pipe that can be written), and run the command again.';
  return `Cannot write to standard output (${errnoText(code)}): the output was cut short. ${hint}`;
}

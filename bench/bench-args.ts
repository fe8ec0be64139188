/**
 * The benchmark scripts' command lines: `--help` and mistakes answered as a CLI answers them. Each
 * script keeps its own node:util `parseArgs` call and hands it to `benchArgs` with its usage text:
 * `--help` (or `-h`) prints the usage and exits 0; an unknown option, a missing value or a stray
 * argument prints parseArgs' message and the usage on stderr and exits 2, never a stack trace. The
 * number readers do the same for a value that is not what the option takes (`--rows abc`,
 * `--runs 0`, `--memory 512,x`, `--diff 1%`), so a bench never runs on NaN or 0.
 */

/** Prints `message`, a blank line and the usage on stderr and exits 2 (bad input, as the CLI's). */
export function usageError(usage: string, message: string): never {
  process.stderr.write(`${message}\n\n${usage}\n`);
  process.exit(2);
}

/**
 * Runs the script's `parseArgs(...)` call (`parse`) and returns its result. `--help` or `-h`
 * anywhere on the command line prints `usage` to stdout and exits 0 before anything is parsed; a
 * parseArgs error (code ERR_PARSE_ARGS_…) is a usageError. Other errors are thrown again.
 */
export function benchArgs<T>(usage: string, parse: () => T): T {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  try {
    return parse();
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (err instanceof Error && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))
      usageError(usage, err.message);
    throw err;
  }
}

/** `text` as a whole number of `min` or more (plain digits only), or undefined when it is not one. */
export function toWholeNumber(text: string, min = 1): number | undefined {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  return Number.isSafeInteger(n) && n >= min ? n : undefined;
}

/** `--rows abc` as a message names it (an empty value as ""). */
function shown(option: string, value: string | undefined): string {
  return value === undefined ? option : `${option} ${value === '' ? '""' : value}`;
}

/** The value of `option` as a whole number of `min` or more (plain digits); else a usageError. */
export function wholeNumber(usage: string, option: string, value: string | undefined, min = 1): number {
  const n = value === undefined ? undefined : toWholeNumber(value, min);
  if (n === undefined) usageError(usage, `${shown(option, value)} is not a whole number of ${min} or more.`);
  return n;
}

/** The value of `option` as a comma-separated list of whole numbers of `min` or more; else a usageError. */
export function wholeNumbers(usage: string, option: string, value: string | undefined, min = 1): number[] {
  const list = value === undefined ? [] : value.split(',').map((s) => toWholeNumber(s, min));
  if (!list.length || list.includes(undefined))
    usageError(
      usage,
      `${shown(option, value)} is not a comma-separated list of whole numbers of ${min} or more.`,
    );
  return list as number[];
}

/** `text` as a percentage, 0 to 100 in plain decimal notation (1, 0.1, .5), or undefined. */
export function toPercentage(text: string): number | undefined {
  const pct = /^(\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : NaN;
  return pct >= 0 && pct <= 100 ? pct : undefined;
}

/** The value of `option` as a percentage from 0 to 100 (fractions allowed: 0.1); else a usageError. */
export function percentage(usage: string, option: string, value: string | undefined): number {
  const pct = value === undefined ? undefined : toPercentage(value);
  if (pct === undefined)
    usageError(usage, `${shown(option, value)} is not a percentage from 0 to 100 (such as 1 or 0.1).`);
  return pct;
}

import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { DestinationStream, Logger } from 'pino';
import type * as Pino from 'pino';
import type PinoPretty from 'pino-pretty';
import { redact } from './redact.js';
import { UsageError } from '../errors.js';
import { errnoText } from './errno-text.js';
import { escapeControl } from './terminal-text.js';

const require = createRequire(import.meta.url);

export type { Logger } from 'pino';

export interface LoggerOptions {
  debug?: boolean;
  logFile?: string;
  /** Force the human format (default: when stderr is a TTY). */
  pretty?: boolean;
}

/** Colours unless NO_COLOR is set to anything (https://no-color.org). */
export const useColor = (env: NodeJS.ProcessEnv = process.env): boolean => !env.NO_COLOR;

/** pino, loaded on first use: a command that logs nothing (`runs list`) does not pay for it at start-up. */
const pinoModule = (): typeof Pino => require('pino') as typeof Pino;

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/**
 * A logger that creates the real one (`make`) on the first call at or above `level`: calls below
 * it are dropped without loading anything, as pino itself would drop them.
 */
function lazyLogger(level: string, make: () => Logger): Logger {
  let real: Logger | undefined;
  const min = LEVELS.indexOf(level as (typeof LEVELS)[number]);
  const noop = () => undefined;
  return new Proxy({} as Logger, {
    get(_t, prop) {
      const i = LEVELS.indexOf(prop as (typeof LEVELS)[number]);
      if (!real && ((i >= 0 && min >= 0 && i < min) || prop === 'flush')) return noop; // nothing to flush yet
      real ??= make();
      const v = (real as unknown as Record<string | symbol, unknown>)[prop];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(real) : v;
    },
  });
}

/** Logs go to stderr only (stdout is reserved for results and --json), with secrets redacted. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level =
    options.debug || process.env.DEBUG === '*' ? 'debug' : (process.env.CUTOVER_LOG_LEVEL ?? 'info');
  // A log file takes every level: then the logger is needed from the first call.
  return options.logFile ? makeLogger(options, level) : lazyLogger(level, () => makeLogger(options, level));
}

function makeLogger(options: LoggerOptions, level: string): Logger {
  const { pino, multistream } = pinoModule();
  const usePretty = options.pretty ?? Boolean(process.stderr.isTTY);
  const sanitize: DestinationStream = {
    write(line: string) {
      stderr.write(redact(line));
    },
  };
  // pino-pretty is loaded only for a terminal: a scheduler's JSON logs do not pay for it.
  const stderr: { write(s: string): void } = usePretty
    ? (require('pino-pretty') as typeof PinoPretty)({
        destination: 2,
        colorize: useColor(),
        ignore: 'pid,hostname',
        translateTime: 'HH:MM:ss',
        sync: true,
      })
    : { write: (s: string) => process.stderr.write(s) };
  const streams: { stream: DestinationStream; level: string }[] = [{ stream: sanitize, level }];
  if (options.logFile) streams.push({ stream: logFileStream(options.logFile), level: 'debug' });
  return pino({ level: 'debug', base: undefined }, multistream(streams));
}

/**
 * --log-file: opened now, so a path that cannot be written is a clear error before any work (exit
 * 2), not an unhandled stream error later. Lines are appended synchronously (none is lost when the
 * command exits). A write that fails later (a full disk) is said once on stderr and the file is
 * left alone: the command goes on, its result and stderr logs intact.
 */
function logFileStream(file: string): DestinationStream {
  let fd: number;
  try {
    fd = fs.openSync(file, 'a');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    const why = code === 'ENOENT' ? errnoText(code, 'its folder does not exist') : errnoText(code);
    throw new UsageError(
      `--log-file ${file} cannot be opened for writing (${why}).`,
      'Give a file in a folder that exists and that you can write to, or leave --log-file out.',
    );
  }
  let failed = false;
  return {
    write(line: string) {
      if (failed) return;
      try {
        fs.writeSync(fd, redact(line));
      } catch (err) {
        failed = true;
        const why = errnoText((err as NodeJS.ErrnoException).code ?? String(err));
        process.stderr.write(
          `Warning: --log-file ${escapeControl(redact(file))} could not be written (${why}); no more lines go to it, the log on stderr goes on.\n`,
        );
      }
    },
  };
}

/** A logger that writes nothing: for tests and library use (pino loaded only if something asks for more than a call). */
export function silentLogger(): Logger {
  return lazyLogger('fatal', () => pinoModule().pino({ level: 'silent' }));
}

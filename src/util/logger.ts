import fs from 'node:fs';
import { createRequire } from 'node:module';
import { pino, multistream, type DestinationStream } from 'pino';
import type { Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import { redact } from './redact.js';

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

/** Logs go to stderr only (stdout is reserved for results and --json), with secrets redacted. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level =
    options.debug || process.env.DEBUG === '*' ? 'debug' : (process.env.CUTOVER_LOG_LEVEL ?? 'info');
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
  if (options.logFile) {
    const file = fs.createWriteStream(options.logFile, { flags: 'a' });
    streams.push({ stream: { write: (s: string) => file.write(redact(s)) }, level: 'debug' });
  }
  return pino({ level: 'debug', base: undefined }, multistream(streams));
}

/** A logger that writes nothing: for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

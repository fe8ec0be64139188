import fs from 'node:fs';
import { pino, multistream, type DestinationStream } from 'pino';
import type { Logger } from 'pino';
import pretty from 'pino-pretty';
import { redact } from './redact.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  debug?: boolean;
  logFile?: string;
  /** Force the human format (default: when stderr is a TTY). */
  pretty?: boolean;
}

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
  const stderr: { write(s: string): void } = usePretty
    ? pretty({
        destination: 2,
        colorize: true,
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

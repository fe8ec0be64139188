/**
 * What the worker threads share (the engine's, the diagnosis's, a SQLite store's loader): where a built worker file is, and how an error crosses
 * from a worker to the main thread as the same kind of error (a CutoverError keeps its class and
 * exit code; a system error keeps code, syscall and path).
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as errors from '../errors.js';

/**
 * The built worker at `name`, a path under src/ (e.g. `reconcilers/join-worker.js`), or undefined
 * when there is none. Under vitest this module is the .ts source, which Node cannot start as a
 * worker: the built file in `dist/` is used when one exists.
 */
export function builtWorker(name: string): URL | undefined {
  const here = import.meta.url;
  const url = here.endsWith('.ts')
    ? new URL(here.replace(/\/src\/util\/worker-files\.ts$/, `/dist/src/${name}`))
    : new URL(`../${name}`, here);
  return url.protocol === 'file:' && fs.existsSync(fileURLToPath(url)) ? url : undefined;
}

/** An error as a worker posts it. */
export interface PostedError {
  type: 'error';
  name: string;
  message: string;
  hint?: string;
  stack?: string;
  /** A system error's fields (a file a CSV side could not open): exit 2, as on the main thread. */
  system?: { code?: string; syscall?: string; path?: string; errno?: number };
}

/** Any thrown value as a message a worker can post. */
export function postedError(e: unknown): PostedError {
  const err = e instanceof Error ? e : new Error(String(e));
  const sys = err as Error & { code?: unknown; syscall?: unknown; path?: unknown; errno?: unknown };
  return {
    type: 'error',
    name: err.name,
    message: err.message,
    hint: err instanceof errors.CutoverError ? err.hint : undefined,
    stack: err.stack,
    system:
      typeof sys.syscall === 'string'
        ? {
            syscall: sys.syscall,
            ...(typeof sys.code === 'string' ? { code: sys.code } : {}),
            ...(typeof sys.path === 'string' ? { path: sys.path } : {}),
            ...(typeof sys.errno === 'number' ? { errno: sys.errno } : {}),
          }
        : undefined,
  };
}

const ERROR_CLASSES: Record<string, typeof errors.CutoverError> = {
  ConfigError: errors.ConfigError,
  MappingError: errors.MappingError,
  ConnectionError: errors.ConnectionError,
  DataError: errors.DataError,
  UsageError: errors.UsageError,
  CutoverError: errors.CutoverError,
};

/** A worker's error, rebuilt as the same CutoverError class (exit 2 stays exit 2). */
export function rebuildError(m: PostedError): Error {
  const Cls = ERROR_CLASSES[m.name];
  const err = Cls ? new Cls(m.message, m.hint) : new Error(m.message);
  if (m.stack) err.stack = m.stack;
  if (m.system) Object.assign(err, m.system);
  return err;
}

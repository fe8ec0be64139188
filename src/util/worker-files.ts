/**
 * What the worker threads share (the engine's, the diagnosis's, a SQLite store's loader): where a
 * built worker file is, how an error crosses from a worker to the main thread as the same kind of
 * error (a CutoverError keeps its class and exit code; a system error keeps code, syscall and
 * path), and requests answered by id.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TransferListItem, Worker } from 'node:worker_threads';
import * as errors from '../errors.js';
import { prepareWorkerCompilation, type WorkerCompilation } from './worker-compilation.js';

/**
 * The built worker at `name`, a path under src/ (e.g. `reconcilers/join-worker.js`), or undefined
 * when there is none. Under vitest this module is the .ts source, which Node cannot start as a
 * worker: the built file in `dist/` is used when one exists. Every worker thread starts from a file
 * found here, so this is where the isolates' compiler is set for them, as `compile` asks
 * (worker-compilation.ts): call it just before starting the worker.
 */
export function builtWorker(name: string, compile: WorkerCompilation = 'in-place'): URL | undefined {
  const here = import.meta.url;
  const url = here.endsWith('.ts')
    ? new URL(here.replace(/\/src\/util\/worker-files\.ts$/, `/dist/src/${name}`))
    : new URL(`../${name}`, here);
  if (url.protocol !== 'file:' || !fs.existsSync(fileURLToPath(url))) return undefined;
  prepareWorkerCompilation(compile);
  return url;
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
  /** Any other error's code (a driver's: SQLITE_FULL), so the main thread judges it as it would its own. */
  code?: string;
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
    ...(typeof sys.syscall !== 'string' && typeof sys.code === 'string' ? { code: sys.code } : {}),
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
  if (m.code) Object.assign(err, { code: m.code });
  return err;
}

/** Requests to a worker that answers each one with a message carrying its id. */
export interface WorkerRequests<T> {
  /** Posts `message` with a new id; its answer, or the worker's first failure. */
  request(message: Record<string, unknown>, transfer?: readonly TransferListItem[]): Promise<T>;
  /** Drops what is waiting and stops the worker. */
  stop(): Promise<void>;
}

/**
 * Requests to `worker`, which answers each with `{ id, ... }` or a posted error. Once it fails (an
 * error it posts, an uncaught one, its exit: "`what` stopped"), every waiting request and every
 * later one rejects with that first failure.
 */
export function workerRequests<T extends { id?: number }>(worker: Worker, what: string): WorkerRequests<T> {
  const waiting = new Map<number, { resolve(m: T): void; reject(e: Error): void }>();
  let next = 0;
  let failed: Error | undefined;
  const failAll = (e: Error) => {
    failed ??= e;
    for (const w of waiting.values()) w.reject(failed);
    waiting.clear();
  };
  worker.on('message', (m: T | (PostedError & { id?: number })) => {
    if ('type' in m && m.type === 'error') return failAll(rebuildError(m as PostedError));
    const w = waiting.get(m.id!);
    waiting.delete(m.id!);
    w?.resolve(m as T);
  });
  worker.on('error', (e: Error) => failAll(e));
  worker.on('exit', (code) => failAll(new Error(`${what} stopped (exit code ${code}).`)));
  return {
    request(message, transfer) {
      if (failed) return Promise.reject(failed);
      const id = next++;
      const done = new Promise<T>((resolve, reject) => waiting.set(id, { resolve, reject }));
      worker.postMessage({ ...message, id }, transfer);
      return done;
    },
    async stop() {
      waiting.clear();
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}

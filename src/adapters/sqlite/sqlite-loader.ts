/**
 * A SQLite store's bulk loader: batches of rows inserted by a thread with its own connection to the
 * store's file, so the main thread (busy joining and recording a run's differences) does not run
 * SQLite's inserts itself. WAL lets the thread write while the store's connection reads; each batch
 * is one transaction, as insertRows makes it.
 */
import { Worker } from 'node:worker_threads';
import { builtWorker, rebuildError, type PostedError } from '../../util/worker-files.js';
import type { BulkLoader } from '../types.js';

/** What the loader thread needs: plain data, so it can be posted. */
export interface LoaderJob {
  file: string;
  table: string;
  columns: readonly string[];
}

/** What the loader thread posts: a batch inserted, or why not. */
export type LoaderMessage = { type: 'inserted'; id: number } | (PostedError & { id?: number });

/** Batches sent and not yet inserted, at most: the rows waiting stay bounded. */
const IN_FLIGHT = 2;

/** Starts a loader thread, or returns undefined when there is no built worker (sources run under vitest). */
export function startSqliteLoader(job: LoaderJob): BulkLoader | undefined {
  const file = builtWorker('adapters/sqlite/loader-worker.js');
  if (!file) return undefined;
  const worker = new Worker(file, { workerData: job });
  const waiting = new Map<number, { resolve(): void; reject(e: Error): void }>();
  const sent: Promise<void>[] = [];
  let next = 0;
  let failed: Error | undefined;
  const failAll = (e: Error) => {
    failed ??= e;
    for (const w of waiting.values()) w.reject(failed);
    waiting.clear();
  };
  worker.on('message', (m: LoaderMessage) => {
    if (m.type === 'error') return failAll(rebuildError(m));
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    w?.resolve();
  });
  worker.on('error', (e: Error) => failAll(e));
  worker.on('exit', (code) => failAll(new Error(`The store's loader thread stopped (exit code ${code}).`)));
  const stop = async () => {
    worker.removeAllListeners('exit');
    await worker.terminate();
  };
  return {
    async add(rows) {
      if (failed) throw failed;
      const id = next++;
      const done = new Promise<void>((resolve, reject) => waiting.set(id, { resolve, reject }));
      // Awaited below or by finish; not unhandled if it fails before then.
      done.catch(() => undefined);
      sent.push(done);
      worker.postMessage({ id, rows });
      while (sent.length > IN_FLIGHT) await sent.shift();
    },
    async finish() {
      try {
        while (sent.length) await sent.shift();
        if (failed) throw failed;
      } finally {
        await stop();
      }
    },
    async abort() {
      sent.length = 0;
      waiting.clear();
      await stop();
    },
  };
}

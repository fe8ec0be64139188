/**
 * A SQLite store's bulk loader: batches of rows inserted by a thread with its own connection to the
 * store's file, so the main thread (busy joining and recording a run's differences) does not run
 * SQLite's inserts itself. WAL lets the thread write while the store's connection reads; each batch
 * is one transaction, as insertRows makes it.
 */
import { Worker } from 'node:worker_threads';
import { builtWorker, workerRequests, type PostedError } from '../../util/worker-files.js';
import type { BulkLoader } from '../types.js';

/** What the loader thread needs: plain data, so it can be posted. */
export interface LoaderJob {
  file: string;
  table: string;
  columns: readonly string[];
}

/** What the loader thread posts: a batch inserted, or why not. */
export type LoaderAnswer = { type: 'inserted'; id: number };
export type LoaderMessage = LoaderAnswer | (PostedError & { id?: number });

/** Batches sent and not yet inserted, at most: the rows waiting stay bounded. */
const IN_FLIGHT = 2;

/** Starts a loader thread, or returns undefined when there is no built worker (sources run under vitest). */
export function startSqliteLoader(job: LoaderJob): BulkLoader | undefined {
  const file = builtWorker('adapters/sqlite/loader-worker.js');
  if (!file) return undefined;
  const worker = workerRequests<LoaderAnswer>(
    new Worker(file, { workerData: job }),
    "The store's loader thread",
  );
  const sent: Promise<unknown>[] = [];
  return {
    async add(rows) {
      const done = worker.request({ rows });
      // Awaited below or by finish; not unhandled if it fails before then.
      done.catch(() => undefined);
      sent.push(done);
      while (sent.length > IN_FLIGHT) await sent.shift();
    },
    async finish() {
      try {
        while (sent.length) await sent.shift();
      } finally {
        await worker.stop();
      }
    },
    async abort() {
      sent.length = 0;
      await worker.stop();
    },
  };
}

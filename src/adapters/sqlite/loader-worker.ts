/**
 * The worker thread of a SQLite store's bulk loader (`startSqliteLoader`): its own connection to
 * the store's file, each batch it is sent inserted in one transaction, and an answer per batch.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { postedError } from '../../util/worker-files.js';
import { insertAll } from './insert-rows.js';
import { storePragmas } from './store-pragmas.js';
import type { LoaderJob, LoaderMessage } from './sqlite-loader.js';

const port = parentPort!;
const job = workerData as LoaderJob;
let db: Database.Database | undefined;

port.on('message', (m: { id: number; rows: unknown[][] }) => {
  let out: LoaderMessage;
  try {
    if (!db) {
      db = new Database(job.file, { fileMustExist: true });
      // As the store's own connection: the same locking, checks and checkpoints; a smaller page
      // cache, for a loader only appends.
      storePragmas(db, 16);
    }
    insertAll(db, job.table, job.columns, m.rows);
    out = { type: 'inserted', id: m.id };
  } catch (e) {
    out = { ...postedError(e), id: m.id };
  }
  port.postMessage(out);
});

port.on('close', () => db?.close());

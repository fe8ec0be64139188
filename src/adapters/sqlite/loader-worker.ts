/**
 * The worker thread of a SQLite store's bulk loader (`startSqliteLoader`): its own connection to
 * the store's file, each batch it is sent inserted in one transaction, and an answer per batch.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { postedError } from '../../util/worker-files.js';
import { insertAll } from './insert-rows.js';
import type { LoaderJob, LoaderMessage } from './sqlite-loader.js';

const port = parentPort!;
const job = workerData as LoaderJob;
let db: Database.Database | undefined;

port.on('message', (m: { id: number; rows: unknown[][] }) => {
  let out: LoaderMessage;
  try {
    if (!db) {
      db = new Database(job.file, { fileMustExist: true });
      // As the store's own connection (control-db.ts): the same locking, checks and checkpoints;
      // a smaller page cache, for a loader only appends.
      db.pragma('busy_timeout = 10000');
      db.pragma('foreign_keys = ON');
      db.pragma('cache_size = -16384');
      db.pragma('wal_autocheckpoint = 16384');
    }
    insertAll(db, job.table, job.columns, m.rows);
    out = { type: 'inserted', id: m.id };
  } catch (e) {
    out = { ...postedError(e), id: m.id };
  }
  port.postMessage(out);
});

port.on('close', () => db?.close());

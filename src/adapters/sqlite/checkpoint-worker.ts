/**
 * The thread of a SQLite store's checkpoint aside (`SqliteWriter.checkpointAside`): a connection of
 * its own to the store's file, one passive checkpoint (it waits for no reader or writer), closed.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { storePragmas } from './store-pragmas.js';

const { file } = workerData as { file: string };
let ok = false;
try {
  const db = new Database(file, { fileMustExist: true });
  try {
    storePragmas(db, 2);
    db.pragma('wal_checkpoint(PASSIVE)');
    ok = true;
  } finally {
    db.close();
  }
} catch {
  // Left to the next checkpoint, or to the store's close.
}
parentPort!.postMessage({ ok });

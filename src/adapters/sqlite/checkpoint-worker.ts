/**
 * The thread of a SQLite store's checkpoint aside (`SqliteWriter.checkpointAside`): a connection of
 * its own to the store's file, one passive checkpoint (it waits for no reader or writer), closed.
 * The thread's end is all the caller waits for: a checkpoint that fails is left to the next one, or
 * to the store's close.
 */
import Database from 'better-sqlite3';
import { workerData } from 'node:worker_threads';
import { storePragmas } from './store-pragmas.js';

const { file } = workerData as { file: string };
try {
  const db = new Database(file, { fileMustExist: true });
  try {
    storePragmas(db, 2);
    db.pragma('wal_checkpoint(PASSIVE)');
  } finally {
    db.close();
  }
} catch {
  // Nothing to tell: see above.
}

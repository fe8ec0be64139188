import Database from 'better-sqlite3';

/** The slice of a SQLite database a bulk loader uses (the demo's generator): statements, pragmas, close. */
export interface BulkDatabase {
  readonly open: boolean;
  exec(sql: string): unknown;
  prepare(sql: string): { run(...params: unknown[]): unknown };
  pragma(sql: string): unknown;
  close(): unknown;
}

/**
 * Opens (creating) a SQLite file for a one-shot bulk load: a temporary file that is thrown away on
 * failure needs no journal and no fsync. `ddl` is run first.
 */
export function openForBulkLoad(file: string, ddl: string[]): BulkDatabase {
  const db = new Database(file);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  for (const sql of ddl) db.exec(sql);
  return db;
}

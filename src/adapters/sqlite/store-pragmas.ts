/** A connection to a SQLite control store, as far as its settings go. */
interface PragmaConnection {
  pragma(sql: string): unknown;
}

/** The WAL's pages past which a commit copies it into the database file (storePragmas). */
export const WAL_AUTOCHECKPOINT = 16384;

/**
 * The settings of every connection to a SQLite control store (the store's own, in WAL mode, and its
 * loader thread's): a busy timeout, foreign keys, a page cache of `cacheMb`, and the WAL
 * checkpoint interval. A run's bookkeeping is a few large transactions (100k differences stored,
 * queued and given causes): a checkpoint every 16384 pages of WAL (64 MB at the default 4 KB page)
 * rather than every 1000 copies a page the run rewrites once, not once per batch, and the store's
 * 64 MB cache keeps the pages each transaction writes for the next (the reconcile bench at 1M rows,
 * 10%: ~0.5 s of ~10; peak RSS +10 MB measured).
 */
export function storePragmas(conn: PragmaConnection, cacheMb: number): void {
  conn.pragma('busy_timeout = 10000');
  conn.pragma('foreign_keys = ON');
  conn.pragma(`cache_size = -${cacheMb * 1024}`);
  conn.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT}`);
}

/** A connection to a SQLite control store, as far as its settings go. */
interface PragmaConnection {
  pragma(sql: string): unknown;
}

/** How long a connection waits for a lock another holds (storePragmas' busy timeout, enterWalMode). */
const BUSY_TIMEOUT_MS = 10_000;
/** Between two asks for WAL mode while the file is busy (enterWalMode). */
const WAL_RETRY_MS = 20;

/**
 * Puts a store's file in WAL mode (it stays so; a connection to a WAL file finds it at once).
 * Processes that open a new file at the same moment each ask while holding a shared lock, and
 * SQLite may answer one SQLITE_BUSY at once, without waiting on the busy timeout (waiting would
 * deadlock): six processes opening a fresh store at one instant, 2 rounds in 15 had one fail with
 * "database is locked" (0 in 15 with this). So a busy answer is asked again, WAL_RETRY_MS later, for up to `waitMs`; any other error, or
 * still busy then, is thrown.
 */
export async function enterWalMode(conn: PragmaConnection, waitMs = BUSY_TIMEOUT_MS): Promise<void> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      conn.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() >= until) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, WAL_RETRY_MS));
  }
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
  conn.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  conn.pragma('foreign_keys = ON');
  conn.pragma(`cache_size = -${cacheMb * 1024}`);
  conn.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT}`);
}

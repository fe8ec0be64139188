import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Knex } from 'knex';
import type { BulkLoader, Executor, Row } from '../types.js';
import { insertAll, type RawSqlite } from './insert-rows.js';
import { startSqliteLoader } from './sqlite-loader.js';
import { KnexWriter, where } from '../knex-writer.js';
import { addDecimal } from '../../util/exact-decimal.js';
import { quoteDouble } from '../sql-text.js';
import { builtWorker } from '../../util/worker-files.js';
import { WAL_AUTOCHECKPOINT } from './store-pragmas.js';

/**
 * SQLite's write side. One connection per process and one write lock per database: rows need no
 * lock of their own (a read in a transaction is a snapshot, and a write after another process
 * committed fails with SQLITE_BUSY_SNAPSHOT, which is retried), so an upsert after an empty locking
 * read always inserts. No exact decimal type: increments are summed with scaled BigInt here.
 */
export class SqliteWriter extends KnexWriter {
  /** `file`: the database file, whose `.migrate-lock` sibling is the exclusive lock (none for :memory:). */
  constructor(
    knex: Knex,
    private readonly file?: string,
  ) {
    super('sqlite', knex);
  }

  override lockRows<Q extends Knex.QueryBuilder>(q: Q): Q {
    return q;
  }

  /** BEGIN IMMEDIATE on the one pooled connection, so every query of `fn` runs inside it. */
  override async exclusiveTransaction<T>(fn: (trx: Executor) => Promise<T>): Promise<T> {
    const k = this.knex;
    await k.raw('BEGIN IMMEDIATE');
    try {
      const result = await fn(k);
      await k.raw('COMMIT');
      return result;
    } catch (err) {
      await k.raw('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  override async primaryKeyOf(table: string): Promise<string[]> {
    try {
      const [schema, name] = table.includes('.') ? table.split('.', 2) : [undefined, table];
      const sql = `PRAGMA ${schema ? `${quoteDouble(schema)}.` : ''}table_info(${quoteDouble(name!)})`;
      const rows = (await this.knex.raw(sql)) as { name: string; pk: number | bigint }[];
      return rows
        .filter((r) => Number(r.pk) > 0)
        .sort((a, b) => Number(a.pk) - Number(b.pk))
        .map((r) => r.name);
    } catch {
      return [];
    }
  }

  /** The rows with their rowid, so an increment writes back exactly the rows it read. */
  protected override async beforeRows(ex: Executor, table: string, match: Row): Promise<Row[]> {
    return (await where(ex(table).select(ex.raw('rowid AS __rowid, *')), match)) as Row[];
  }

  /**
   * INSERT … ON CONFLICT DO UPDATE, without a conflict target (SQLite 3.35+): any unique key the new
   * row collides with, so a table whose match columns are not a key still gets its row. Inside a
   * transaction nobody else writes, so a read first tells an insert from an update.
   */
  override async upsert(ex: Executor, table: string, match: Row, values: Row) {
    const existed = (await this.selectRows(ex, table, match)).length > 0;
    const update = Object.keys(values).filter((c) => !(c in match));
    const { sql, bindings } = ex(table)
      .insert({ ...match, ...values })
      .toSQL();
    const onConflict = update.length
      ? `DO UPDATE SET ${update.map((c) => `${quoteDouble(c)} = excluded.${quoteDouble(c)}`).join(', ')}`
      : 'DO NOTHING';
    const rows = (await ex.raw(`${sql} ON CONFLICT ${onConflict} RETURNING *`, bindings)) as Row[];
    return { rows: rows.length ? rows : await this.selectRows(ex, table, match), inserted: !existed };
  }

  /** One prepared INSERT run once per row inside one transaction, on the store's one connection (insertAll). */
  override async insertRows(
    table: string,
    columns: readonly string[],
    rows: readonly (readonly unknown[])[],
  ): Promise<void> {
    if (rows.length === 0) return;
    const client = this.knex.client as {
      acquireConnection(): Promise<RawSqlite>;
      releaseConnection(c: RawSqlite): Promise<void>;
    };
    const conn = await client.acquireConnection();
    try {
      insertAll(conn, table, columns, rows);
    } finally {
      await client.releaseConnection(conn);
    }
  }

  /** The database file's absolute path; undefined for an in-memory database. */
  private get onDisk(): string | undefined {
    return this.file && this.file !== ':memory:' ? path.resolve(this.file) : undefined;
  }

  /** A thread with its own connection to the store's file (none for an in-memory database). */
  bulkLoader(table: string, columns: readonly string[]): BulkLoader | undefined {
    const file = this.onDisk;
    return file ? startSqliteLoader({ file, table, columns }) : undefined;
  }

  override jsonRows(columns: readonly (readonly [string, 'text' | 'integer'])[]): string {
    const cols = columns.map(([c]) => `json_extract(value, '$.${c}') AS ${quoteDouble(c)}`).join(', ');
    return `(SELECT ${cols} FROM json_each(?)) AS j`;
  }

  async checkpoint(): Promise<void> {
    await this.knex.raw('PRAGMA wal_checkpoint(PASSIVE)');
  }

  /** The store's own connection commits without checkpointing until checkpointAside (a file's store). */
  async holdCheckpoints(): Promise<boolean> {
    if (!this.onDisk) return false;
    await this.knex.raw('PRAGMA wal_autocheckpoint = 0');
    return true;
  }

  /**
   * A passive checkpoint on a thread with a connection of its own, the store's connection's own
   * checkpoints resumed (storePragmas' interval). Without a built worker (sources under vitest), or
   * when the thread cannot start, the checkpoint is left to the next commit past the interval, or to
   * the close.
   */
  async checkpointAside(): Promise<void> {
    const file = this.onDisk;
    if (!file) return;
    try {
      await this.knex.raw(`PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT}`);
    } catch {
      // The connection is gone (the store failed): its close made the checkpoint, or the next open will.
      return;
    }
    const worker = builtWorker('adapters/sqlite/checkpoint-worker.js', 'as-is');
    if (!worker) return;
    await new Promise<void>((resolve) => {
      try {
        const thread = new Worker(worker, { workerData: { file } });
        thread.once('exit', () => resolve());
        thread.once('error', () => resolve());
      } catch {
        resolve();
      }
    });
  }

  override withExclusiveLock<T>(fn: () => Promise<T>): Promise<T> {
    const file = this.onDisk;
    return file ? withLockFile(`${file}.migrate-lock`, fn) : fn();
  }

  protected override async incrementRows(
    ex: Executor,
    table: string,
    _match: Row,
    values: Row,
    before: Row[],
  ): Promise<{ rows: Row[] } | { failed: string }> {
    // Every sum first: a row holding a non-number fails the action before anything is written.
    const sets: Row[] = [];
    for (const row of before) {
      const set: Row = {};
      for (const [col, v] of Object.entries(values)) {
        const sum = addDecimal(row[col] ?? '0', v);
        if (sum === undefined)
          return { failed: `${table}.${col} holds ${JSON.stringify(row[col])}, which is not a number` };
        set[col] = sum;
      }
      sets.push(set);
    }
    const out: Row[] = [];
    for (const [n, row] of before.entries())
      out.push(...((await ex(table).where({ rowid: row.__rowid }).update(sets[n]!).returning('*')) as Row[]));
    return { rows: out };
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `fn` holding an exclusive lock file (created with O_EXCL); a lock whose process is gone is taken over. */
async function withLockFile<T>(lock: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const fd = fs.openSync(lock, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = 0;
      try {
        holder = Number(fs.readFileSync(lock, 'utf8'));
      } catch {
        continue; // released between our open and read
      }
      if (holder && !alive(holder)) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(
          `another cutover process (pid ${holder}) has been upgrading the control store for 2 minutes`,
        );
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

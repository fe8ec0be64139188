import fs from 'node:fs';
import Database from 'better-sqlite3';
import knexFactory from 'knex';
import type {
  Adapter,
  AdapterFactory,
  ConnectionInfo,
  RawValue,
  ReadRequest,
  WriteDriver,
} from '../types.js';
import { SqliteWriter } from './sqlite-writer.js';
import type { ConnectionConfig } from '../settings.js';
import { ConnectionError, DataError } from '../../errors.js';
import { formatWindowBound, quoteDouble, quoteQualified } from '../sql-text.js';

/** The FROM source of a read: a quoted table, or the mapping's query as a subquery. */
export function sqliteSource(req: Pick<ReadRequest, 'table' | 'query'>): string {
  if (req.query) return `(${req.query}) AS cutover_q`;
  return quoteQualified(req.table!, quoteDouble);
}

/** Builds the SELECT for a read; values are bound parameters, identifiers quoted. */
export function sqliteSelect(req: ReadRequest): { sql: string; params: unknown[] } {
  const cols = req.columns.map(quoteDouble).join(', ');
  const where: string[] = [];
  const params: unknown[] = [];
  if (req.where) where.push(`(${req.where})`);
  if (req.window?.since) {
    where.push(`julianday(${quoteDouble(req.window.column)}) >= julianday(?)`);
    params.push(windowBound(req.window.since, req.window));
  }
  if (req.window?.until) {
    where.push(`julianday(${quoteDouble(req.window.column)}) < julianday(?)`);
    params.push(windowBound(req.window.until, req.window));
  }
  return {
    sql: `SELECT ${cols} FROM ${sqliteSource(req)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`,
    params,
  };
}

/**
 * SQLite stores timestamps as text in any ISO-like shape ('2026-11-21 10:00:00', '2026-11-21T10:00:00Z'):
 * text comparison would sort 'T' after ' ', so both sides go through julianday(), which reads either
 * shape (and an offset or Z). The bound is written in the column's zone for naive columns.
 */
function windowBound(d: Date, w: NonNullable<ReadRequest['window']>): string {
  return formatWindowBound(d, w.timezone, false);
}

class SqliteAdapter implements Adapter {
  readonly dialect = 'sqlite' as const;
  readonly readOnly: boolean;
  readonly name: string;
  private db?: Database.Database;
  private writerInstance?: SqliteWriter;
  private readonly file: string;

  constructor(private readonly conn: ConnectionConfig) {
    this.name = conn.name;
    this.readOnly = conn.readOnly ?? false;
    this.file = conn.url.replace(/^sqlite:/i, '');
  }

  async connect(): Promise<void> {
    if (this.file !== ':memory:' && !fs.existsSync(this.file)) {
      throw new ConnectionError(
        `Connection "${this.name}": the SQLite file ${this.file} does not exist.`,
        'Check the path in its url (relative paths are resolved against the folder of cutover.yaml).',
      );
    }
    try {
      this.db = new Database(this.file, { readonly: this.readOnly, fileMustExist: this.file !== ':memory:' });
      this.db.pragma('busy_timeout = 10000');
      this.db.defaultSafeIntegers(true);
    } catch (err) {
      throw new ConnectionError(
        `Connection "${this.name}": cannot open ${this.file}: ${(err as Error).message}.`,
        'Check that the file is a SQLite database and readable.',
      );
    }
  }

  async info(): Promise<ConnectionInfo> {
    const t0 = performance.now();
    const row = this.database().prepare('SELECT sqlite_version() AS v').get() as { v: string };
    return {
      dialect: 'sqlite',
      serverVersion: `SQLite ${row.v}`,
      latencyMs: performance.now() - t0,
      readOnly: this.readOnly,
    };
  }

  async *read(req: ReadRequest): AsyncIterable<RawValue[][]> {
    const { sql, params } = sqliteSelect(req);
    const stmt = this.prepare(sql, req);
    stmt.raw(true);
    const size = req.batchSize ?? 2000;
    let batch: RawValue[][] = [];
    // One read transaction: a consistent snapshot for the whole read.
    const db = this.database();
    const own = !db.inTransaction;
    if (own) db.prepare('BEGIN').run();
    try {
      for (const row of stmt.iterate(...params) as Iterable<RawValue[]>) {
        batch.push(row);
        if (batch.length >= size) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length) yield batch;
    } finally {
      if (own && db.inTransaction) db.prepare('COMMIT').run();
    }
  }

  async checkColumns(req: Pick<ReadRequest, 'table' | 'query' | 'columns'>): Promise<void> {
    this.prepare(sqliteSelect({ ...req, columns: req.columns }).sql + ' LIMIT 0', req);
  }

  /** One write side on one connection, whatever the pool size asked: SQLite has one writer at a time. */
  writer(): WriteDriver {
    this.writerInstance ??= new SqliteWriter(
      knexFactory({
        client: 'better-sqlite3',
        connection: { filename: this.file },
        useNullAsDefault: true,
        pool: {
          min: 1,
          max: 1,
          afterCreate: (c: Database.Database, done: (e: Error | null, c: unknown) => void) => {
            c.pragma('busy_timeout = 10000');
            done(null, c);
          },
        },
      }),
      this.file,
    );
    return this.writerInstance;
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
    await this.writerInstance?.close();
    this.writerInstance = undefined;
  }

  private database(): Database.Database {
    if (!this.db) throw new Error('sqlite adapter used before connect()');
    return this.db;
  }

  private prepare(sql: string, req: Pick<ReadRequest, 'table' | 'query' | 'columns'>): Database.Statement {
    try {
      return this.database().prepare(sql);
    } catch (err) {
      const msg = (err as Error).message;
      const what = /no such table/i.test(msg)
        ? `the table ${req.table ?? '(query)'} does not exist`
        : /no such column/i.test(msg)
          ? `the column ${msg.replace(/.*no such column:\s*/i, '')} does not exist in ${req.table ?? 'the query'}`
          : msg;
      throw new DataError(
        `Connection "${this.name}" (${this.file}): ${what}.`,
        'Check the table and column names in the mapping against the database.',
        { cause: err },
      );
    }
  }
}

export const sqliteFactory: AdapterFactory = {
  schemes: ['sqlite'],
  create: (conn) => new SqliteAdapter(conn),
};

import fs from 'node:fs';
import Database from 'better-sqlite3';
import knexFactory from 'knex';
import type {
  Adapter,
  AdapterFactory,
  BucketSum,
  ChecksumRequest,
  ColumnKind,
  ConnectionInfo,
  RawValue,
  ReadRequest,
  TotalsRequest,
  WriteDriver,
} from '../types.js';
import { bucketRead, bucketSum, checksumSql, sqliteChecksum, totalsSql } from '../checksum-sql.js';
import { registerChecksumFunctions } from './checksum-functions.js';
import { SqliteWriter } from './sqlite-writer.js';
import type { ConnectionConfig } from '../settings.js';
import { ConnectionError, DataError } from '../../errors.js';
import { suggest } from '../../util/suggest.js';
import { formatWindowBound, keySetClause, quoteDouble, quoteQualified } from '../sql-text.js';
import { isNotADatabase, missingColumnOf, notSqliteFile } from './sqlite-file.js';
import { derivedQuery, type QuerySyntax } from '../mapping-query.js';

/** SQLite's strings and quoted names: '…', "…", `…` and […]; its block comments do not nest. */
const SQLITE_SYNTAX: QuerySyntax = { quotes: { "'": "'", '"': '"', '`': '`', '[': ']' } };

/** The FROM source of a read: a quoted table, or the mapping's query as a subquery. */
export function sqliteSource(req: Pick<ReadRequest, 'table' | 'query'>): string {
  if (req.query) return derivedQuery(req.query, 'cutover_q', SQLITE_SYNTAX);
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
  if (req.keys)
    where.push(
      keySetClause(req.keys, quoteDouble, (v) => {
        params.push(v);
        return '?';
      }),
    );
  const buckets = req.buckets && bucketRead(sqliteChecksum, req.buckets);
  if (buckets) where.push(buckets.where);
  return {
    sql: `SELECT ${cols} FROM ${buckets?.source ?? sqliteSource(req)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`,
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
  /** Embedded: its checksum functions run in JavaScript, slower than streaming the same rows. */
  readonly readInProcess = true;
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
    const notDb = notSqliteFile(this.file);
    if (notDb) throw this.notADatabase(notDb);
    try {
      this.db = new Database(this.file, { readonly: this.readOnly, fileMustExist: this.file !== ':memory:' });
      this.db.pragma('busy_timeout = 10000');
      this.db.defaultSafeIntegers(true);
      registerChecksumFunctions(this.db);
    } catch (err) {
      if (isNotADatabase(err)) throw this.notADatabase(undefined, err);
      throw new ConnectionError(
        `Connection "${this.name}": cannot open ${this.file}: ${(err as Error).message}.`,
        'Check that the file is a SQLite database and readable.',
      );
    }
  }

  /** A file on this machine: its clock is this one. */
  async clock(): Promise<Date> {
    return new Date();
  }

  async info(): Promise<ConnectionInfo> {
    const t0 = performance.now();
    let row: { v: string };
    try {
      // Reads the schema (sqlite_version() alone would not): a file SQLite cannot read fails here.
      this.database().pragma('schema_version');
      row = this.database().prepare('SELECT sqlite_version() AS v').get() as { v: string };
    } catch (err) {
      throw isNotADatabase(err) ? this.notADatabase(undefined, err) : err;
    }
    return {
      dialect: 'sqlite',
      serverVersion: `SQLite ${row.v}`,
      latencyMs: performance.now() - t0,
      readOnly: this.readOnly,
    };
  }

  describeRead(req: ReadRequest): { sql: string; params: unknown[] } {
    return sqliteSelect(req);
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

  /** The checksum functions see the values a read yields: every column can be pushed down. */
  async columnKinds(req: Pick<ReadRequest, 'table' | 'columns'>): Promise<ColumnKind[]> {
    return req.columns.map(() => 'any');
  }

  describeChecksums(req: ChecksumRequest): string {
    return checksumSql(sqliteChecksum, req);
  }

  async keyIsUnique(table: string, columns: string[]): Promise<boolean> {
    const db = this.database();
    try {
      const indexes = db
        .prepare('SELECT name, "unique" AS u, partial FROM pragma_index_list(?)')
        .all(table) as {
        name: string;
        u: number | bigint;
        partial: number | bigint;
      }[];
      return indexes.some((ix) => {
        if (!Number(ix.u) || Number(ix.partial)) return false;
        const cols = db.prepare('SELECT name FROM pragma_index_info(?)').pluck().all(ix.name) as (
          string | null
        )[];
        return cols.every((c) => c !== null && columns.includes(c));
      });
    } catch {
      return false;
    }
  }

  async checksums(req: ChecksumRequest, sink: (b: BucketSum) => void): Promise<void> {
    const table = req.spec.table;
    const stmt = this.prepare(this.describeChecksums(req), { table, columns: [] });
    const db = this.database();
    const own = !db.inTransaction;
    if (own) db.prepare('BEGIN').run();
    try {
      for (const row of stmt.raw(true).iterate() as Iterable<unknown[]>) sink(bucketSum(row));
    } catch (err) {
      throw this.queryError({ table, columns: [] }, err);
    } finally {
      if (own && db.inTransaction) db.prepare('COMMIT').run();
    }
  }

  /** SQLite keeps no row count: counting is quick on a local file. */
  async estimateRows(table: string): Promise<number | undefined> {
    return Number(this.rowsOf(table, `SELECT count(*) FROM ${quoteQualified(table, quoteDouble)}`)[0]?.[0]);
  }

  async totals(req: TotalsRequest): Promise<RawValue[][]> {
    return this.rowsOf(req.spec.table, totalsSql(sqliteChecksum, req)) as RawValue[][];
  }

  /** A pushdown statement's rows as arrays, in one read transaction. */
  private rowsOf(table: string, sql: string): unknown[][] {
    const stmt = this.prepare(sql, { table, columns: [] });
    const db = this.database();
    const own = !db.inTransaction;
    if (own) db.prepare('BEGIN').run();
    try {
      return stmt.raw(true).all() as unknown[][];
    } catch (err) {
      throw this.queryError({ table, columns: [] }, err);
    } finally {
      if (own && db.inTransaction) db.prepare('COMMIT').run();
    }
  }

  /** One write side on one connection, whatever the pool size asked: SQLite has one writer at a time. */
  async writer(): Promise<WriteDriver> {
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
      throw this.queryError(req, err);
    }
  }

  /**
   * A failed prepare as a DataError naming the connection, the file, the table and the column in our
   * words (SQLite's own, for a double-quoted name, reads "the column "x" - should this be a string
   * literal in single-quotes?"), with the closest existing name as a suggestion.
   */
  private queryError(req: Pick<ReadRequest, 'table' | 'query' | 'columns'>, err: unknown): Error {
    if (isNotADatabase(err)) return this.notADatabase(undefined, err);
    const msg = String((err as Error)?.message ?? err).split('\n')[0]!;
    const conn = `Connection "${this.name}" (${this.file})`;
    const source = req.table ? `the table ${req.table}` : 'the mapping query';
    if (/no such table/i.test(msg) && req.table) {
      const near = suggest(req.table, this.tables());
      return new DataError(
        `${conn}: ${source} does not exist.`,
        `${near ? `Did you mean "${near}"? ` : ''}Check the table name in the mapping against the database.`,
        { cause: err },
      );
    }
    const column = missingColumnOf(msg);
    if (column !== undefined) {
      const existing = req.table ? this.columnsOf(req.table) : [];
      const near = suggest(column, existing);
      const mapped = req.columns.includes(column);
      return new DataError(
        `${conn}: ${source} has no column "${column}"${mapped ? '' : ` (named in the mapping's ${req.table ? 'where' : 'query'})`}.`,
        near
          ? `Did you mean "${near}"? Check the column names in the mapping against the database.`
          : `Check the column names in the mapping against the database${existing.length ? ` (${source} has: ${existing.join(', ')})` : ''}.`,
        { cause: err },
      );
    }
    return new DataError(
      `${conn}: the read of ${source} failed: ${msg.replace(/[.\s]+$/, '')}.`,
      "Check the mapping's table, columns, where and query against the database.",
      { cause: err },
    );
  }

  /** The file is no SQLite database: said once, naming the connection and the file. */
  private notADatabase(why = 'is not a SQLite database (SQLITE_NOTADB)', cause?: unknown): ConnectionError {
    return new ConnectionError(
      `Connection "${this.name}": the file ${this.file} ${why}.`,
      'Check that its url names the SQLite database file (sqlite:PATH, relative to the folder of cutover.yaml); a folder of CSV extracts takes csv:FOLDER.',
      { cause },
    );
  }

  /** The tables and views of the database, for a suggestion ([] when they cannot be read). */
  private tables(): string[] {
    try {
      return (
        this.database()
          .prepare(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'",
          )
          .pluck()
          .all() as string[]
      ).map(String);
    } catch {
      return [];
    }
  }

  /** A table's column names in table order, for a suggestion ([] when they cannot be read). */
  private columnsOf(table: string): string[] {
    try {
      const db = this.database();
      const dot = table.indexOf('.');
      const rows = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[];
      if (rows.length || dot < 0) return rows.map(String);
      return (
        db
          .prepare('SELECT name FROM pragma_table_info(?, ?)')
          .pluck()
          .all(table.slice(dot + 1), table.slice(0, dot)) as string[]
      ).map(String);
    } catch {
      return [];
    }
  }
}

export const sqliteFactory: AdapterFactory = {
  schemes: ['sqlite'],
  create: (conn) => new SqliteAdapter(conn),
};

import type { Knex } from 'knex';
import type { Logger } from '../util/logger.js';
import type { ConnectionConfig } from './settings.js';
import type { FieldType } from './settings.js';

/**
 * A value as a driver hands it over. Exact types stay exact: decimals and 64-bit integers arrive as
 * strings (or bigint), never as floating point; timestamps as strings where the driver allows.
 * A `Date` from a driver holds a naive wall-clock time in its UTC fields unless the column had a zone.
 */
export type RawValue = string | number | bigint | boolean | Date | Uint8Array | null;

/** What to read: a table or a query, the columns to select (in this order), and filters. */
export interface ReadRequest {
  /** A table name, possibly schema-qualified (`dbo.INVENTSUM`, `CRONUS$Item Ledger Entry`); quoted by the dialect. */
  table?: string;
  /** A whole SELECT instead of a table; `columns` then name its output columns. */
  query?: string;
  /** Source column names to select, in the order of each yielded row. */
  columns: string[];
  /** A raw SQL filter from the mapping (trusted configuration, not user data). */
  where?: string;
  /** The --since/--until window on one column, pushed down as bound parameters. */
  window?: { column: string; since?: Date; until?: Date; timezone?: string; naive?: boolean };
  /** The canonical type of each column's field, in `columns` order (a hint: mssql casts decimals to text). */
  types?: (FieldType | undefined)[];
  /** Rows per yielded batch (a hint). */
  batchSize?: number;
  /**
   * A key-set read (`reconcile --recheck`): only the rows whose `columns` equal one of the `values`
   * tuples, pushed down as `c IN (…)` or `((c1 = … AND c2 = …) OR …)`. The values are text, compared
   * as the engine compares text (a case-insensitive collation may return more rows: the caller keeps
   * only the exact keys). The caller keeps a request to at most KEY_SET_CHUNK parameters.
   */
  keys?: { columns: string[]; values: string[][] };
  /**
   * Checksum pushdown's read of the differing buckets: only the rows whose key hash's top `bits`
   * bits are one of `buckets`, for any of the selections. See ChecksumRequest.
   */
  buckets?: {
    spec: ChecksumSpec;
    select: BucketSelection[];
    /** Rows they hold (a hint). */
    rows?: number;
  };
}

/**
 * How a column's values may be written in checksum SQL (Adapter.columnKinds): the engine's type of
 * the column as far as pushdown cares. `any` is a source whose checksum functions see the very
 * values a read yields (SQLite's registered functions).
 */
export type ColumnKind =
  | 'text'
  | 'char'
  | 'integer'
  | 'exact'
  | 'float'
  | 'date'
  | 'naive'
  | 'instant'
  | 'boolean'
  | 'any'
  | 'other';

/**
 * One field as checksum SQL writes it: its "form", a text that is never coarser than the engine's
 * canonical value (two values the engine calls different always give different forms). See
 * docs/technical-explanation.md §8.
 */
export interface PushField {
  column: string;
  form: 'string' | 'number' | 'boolean' | 'date' | 'timestamp';
  /** number: the field's scale (integers 0). */
  scale?: number;
  /**
   * number: how a value with more digits is brought to scale, where SQL can do it as the engine
   * does (half-up: away from zero; truncate: toward zero). Absent (an integer field, half-even): such
   * a value gets the side's marker, and its bucket is read by the engine.
   */
  round?: 'half-up' | 'truncate';
  /** string: trim spaces (the engine trims all white space after: the form stays finer). */
  trim?: boolean;
  /** timestamp/boolean: the column's kind (naive wall clock, instant; boolean or 0/1 integer). */
  kind?: ColumnKind;
  /** timestamp on a source with registered functions: the zone naive text is read in. */
  zone?: string;
}

/**
 * What checksum SQL hashes on one side: the key fields (in key order) and the other fields, the
 * source and its filter, and the side (its marker `X<side>` makes a value the SQL cannot write
 * exactly differ from anything on the other side, so its bucket is streamed to the engine).
 */
export interface ChecksumSpec {
  side: 'legacy' | 'cloud';
  /** 'native': both sides are one dialect with a faster hash of its own (Adapter.nativeChecksum); else MD5. */
  hash?: 'md5' | 'native';
  /** A unique index covers the key's columns (and no key field trims): no key can be there twice, nothing to count. */
  uniqueKey?: boolean;
  table: string;
  where?: string;
  key: PushField[];
  fields: PushField[];
}

/** Buckets of key hashes: their top `bits` bits (at most 32), and which values. */
export interface BucketSelection {
  bits: number;
  buckets: number[];
}

/**
 * A bucket checksum query: every row grouped by the top `bits` bits of its key hash; with
 * `within`, only the rows of those (coarser) buckets — the differing buckets split again.
 */
export interface ChecksumRequest {
  spec: ChecksumSpec;
  bits: number;
  within?: BucketSelection;
}

/** One measure of a control total computed by the source: a row count, a field's sum, or the sum of a product. */
export type TotalsMeasure = { count: true } | { sum: PushField } | { product: [PushField, PushField] };

/**
 * A control total computed in the source's SQL with exact types, grouped by the `by` columns'
 * values as they are (the caller turns them canonical). Each row: the `by` values, each measure's
 * sum as exact text (null: nothing added), then the number of values with more digits than their
 * field's scale (the sums are then not the engine's: the caller reads the rows instead).
 */
export interface TotalsRequest {
  spec: ChecksumSpec;
  by: PushField[];
  measures: TotalsMeasure[];
}

/**
 * One bucket's figures: rows, distinct keys, and the two sums of 32-bit halves of the row hashes.
 * NaN where a figure is not a safe integer (a bucket so large is then taken as differing).
 */
export interface BucketSum {
  bucket: number;
  rows: number;
  keys: number;
  h1: number;
  h2: number;
}

/** What `config check --connect` reports for a connection. */
export interface ConnectionInfo {
  dialect: string;
  serverVersion: string;
  latencyMs: number;
  readOnly: boolean;
}

/** The rows of a read as text lines (Adapter.readLines). */
export interface LineRead {
  chunks: AsyncIterable<Buffer>;
  parse(line: string): RawValue[];
}

/** One connection kind behind one small interface. */
export interface Adapter {
  readonly name: string;
  readonly dialect: 'postgres' | 'mssql' | 'sqlite' | 'mysql' | 'csv' | 'http';
  /** Declared `readOnly: true`: only ever read, refused as a replay or rollback target. */
  readonly readOnly: boolean;
  /** Opens the connection; a failure is a ConnectionError with the URL redacted. */
  connect(): Promise<void>;
  /** Server version, round-trip latency and whether the session is read-only. */
  info(): Promise<ConnectionInfo>;
  /**
   * The source's own current time (the database server's clock, which may differ from this
   * machine's): what a settle window measures a row's age against. A file source (SQLite, CSV) is
   * on this machine: its clock is this one.
   */
  clock(): Promise<Date>;
  /** Streams rows in batches, each row's values in `req.columns` order, respecting backpressure. */
  read(req: ReadRequest): AsyncIterable<RawValue[][]>;
  /**
   * Optional, the fast read: the rows of `read(req)` as UTF-8 text lines in PostgreSQL's COPY text
   * format (each row ends in `\n`, values are separated by `\t`, `\N` is NULL, and a backslash,
   * tab or newline inside a value is written with a backslash escape), every chunk holding whole
   * lines. `parse` turns one line (without its `\n`) into the values `read` would give for it. The
   * compare engine packs plain lines straight from these bytes and hands the others to `parse`.
   */
  readLines?(req: ReadRequest): LineRead;
  /**
   * The statement `read(req)` would send and its bound parameters, rendered WITHOUT connecting
   * (`reconcile --dry-run`); undefined for a source that is not SQL (CSV, HTTP). Where the engine
   * picks casts from a probe of the result's column types (SQL Server), the field-type hints stand in.
   */
  describeRead(req: ReadRequest): { sql: string; params: unknown[] } | undefined;
  /** Checks that a table or query exists and produces these columns; throws a DataError naming them. */
  checkColumns(req: Pick<ReadRequest, 'table' | 'query' | 'columns'>): Promise<void>;
  /**
   * Checksum pushdown (SQL sources): each column's kind, for deciding whether its values can be
   * written exactly in checksum SQL.
   */
  columnKinds?(req: Pick<ReadRequest, 'table' | 'columns'>): Promise<ColumnKind[]>;
  /**
   * Checksum pushdown: names the dialect's native hash when it has one; two sides naming the same
   * one hash with it instead of MD5.
   */
  readonly nativeChecksum?: string;
  /**
   * Checksum pushdown: the source is read inside this process (an embedded database). Hashing its
   * rows there moves nothing less over a network and costs more than streaming them, so `auto`
   * streams a mapping with such a side; `on` still pushes down.
   */
  readonly readInProcess?: boolean;
  /**
   * Checksum pushdown: whether a unique index (not partial, on columns only) of the table lies
   * within these columns, so that no combination of them can be there twice.
   */
  keyIsUnique?(table: string, columns: string[]): Promise<boolean>;
  /**
   * Checksum pushdown: per bucket, rows, distinct keys and row-hash sums, computed by the source
   * and handed to `sink` as they arrive (a million buckets need not be held twice).
   */
  checksums?(req: ChecksumRequest, sink: (b: BucketSum) => void): Promise<void>;
  /** Checksum pushdown: the table's row count as the catalogue estimates it (undefined: unknown). */
  estimateRows?(table: string): Promise<number | undefined>;
  /** The statement `checksums(req)` would send, without connecting (tests, --dry-run). */
  describeChecksums?(req: ChecksumRequest): string;
  /** Checksum pushdown: a control total computed by the source (TotalsRequest). */
  totals?(req: TotalsRequest): Promise<RawValue[][]>;
  /**
   * SQL kinds that can be a replay or rollback target: the write side, outside any read-only
   * snapshot, with its own pool of `poolSize` connections (what bounds the transactions in flight).
   * The caller closes it.
   */
  writer?(opts?: { poolSize?: number }): Promise<WriteDriver>;
  close(): Promise<void>;
}

/** A row as a query builder returns it. */
export type Row = Record<string, unknown>;

/** A knex instance or a transaction on it. */
export type Executor = Knex | Knex.Transaction;

/** The replay ledger's table and columns, each with the portable type a JSON document of ledger rows is read as. */
export interface LedgerSpec {
  table: string;
  columns: readonly (readonly [string, 'text' | 'bigint' | 'integer' | 'boolean' | 'json'])[];
}

/** One replay event's effect on a table, and the fields of its ledger row the driver does not compute. */
export interface WriteAction {
  /** The event id: the ledger's key, and the key of the outcome. */
  id: string;
  table: string;
  action: 'insert' | 'upsert' | 'update' | 'increment' | 'delete';
  /** The matched columns (none for an insert); every value is bound, a null matches IS NULL. */
  match: Row;
  /** The columns written; for an increment, exact decimal numbers to add. */
  values: Row;
  /** The ledger row but for match_json, before_json, after_json and applied_at, which the driver fills in. */
  ledger: Row;
}

/**
 * Per action of a group: applied, already in the ledger, failed on its own (an update or increment
 * that found no row: it changed nothing and the others went ahead), or to be retried on its own (an
 * upsert whose new row another transaction inserted meanwhile: it changed nothing).
 */
export type GroupOutcome = 'applied' | 'alreadyApplied' | { failed: string } | { retry: string };

/** Batches of rows inserted in order, each in one transaction, while the caller goes on. */
export interface BulkLoader {
  /** Sends one batch; waits while too many are still being inserted. Rejects once a batch failed. */
  add(rows: readonly (readonly unknown[])[]): Promise<void>;
  /** Waits until every batch is inserted (rejects if one failed), then stops. */
  finish(): Promise<void>;
  /** Stops at once: a batch being inserted is rolled back, those waiting are dropped. */
  abort(): Promise<void>;
}

/**
 * The write side of a SQL connection, in the spirit of Kysely's Driver + DialectAdapter: everything
 * about writing that differs between engines (transactions, row locks, catalogue reads, the atomic
 * upsert, applying a group of replay actions with their ledger rows, error classes) lives behind it,
 * so replay, rollback, the exception queue and the control store never name an engine. Portable
 * statements still go through `knex`.
 */
export interface WriteDriver {
  /** The engine, for messages and stored plan targets (never to branch on outside src/adapters). */
  readonly dialect: string;
  /** The query builder on this driver's pool. */
  readonly knex: Knex;
  /** Runs `fn` in one transaction. */
  transaction<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in one transaction that takes the write lock up front where the engine has a single
   * database-wide write lock (SQLite: BEGIN IMMEDIATE, so two processes serialize instead of both
   * reading and then failing to upgrade); elsewhere, a normal transaction whose callers lock rows.
   */
  exclusiveTransaction<T>(fn: (trx: Executor) => Promise<T>): Promise<T>;
  /**
   * Locks the rows `q` selects until its transaction ends (FOR UPDATE, optionally SKIP LOCKED); a
   * no-op where the transaction already holds the only write lock.
   */
  lockRows<Q extends Knex.QueryBuilder>(q: Q, opts?: { skipLocked?: boolean }): Q;
  /** The primary-key columns of a table in key order, or [] when it has none or the catalogue cannot be read. */
  primaryKeyOf(table: string): Promise<string[]>;
  /** A table's column names in table order, or undefined when the table does not exist. */
  columnsOf(table: string): Promise<string[] | undefined>;
  /**
   * Why this engine cannot store `text` as it is in a column (PostgreSQL: a NUL character), said so
   * that it follows "the value … " in a message; undefined when it can. Checked before writing, so
   * such a value fails its event with a clear reason instead of a protocol error.
   */
  textProblem(text: string): string | undefined;
  /** The rows at `match` (null matches IS NULL), locked for update when `lock` (inside a transaction). */
  selectRows(ex: Executor, table: string, match: Row, lock?: boolean): Promise<Row[]>;
  /**
   * Inserts the row `match + values`, or, when a row with that unique key appeared meanwhile, updates
   * it to `values` — in ONE atomic statement (ON CONFLICT DO UPDATE, ON DUPLICATE KEY UPDATE, MERGE
   * WITH (HOLDLOCK)), so a race never raises a unique violation. Returns the rows after, and whether
   * the statement inserted (false: a concurrent transaction had inserted the row first).
   */
  upsert(ex: Executor, table: string, match: Row, values: Row): Promise<{ rows: Row[]; inserted: boolean }>;
  /**
   * Applies a group of replay actions (each on a different row) in ONE transaction, each with its
   * row in the ledger: all commit or none do. An action already in the ledger is 'alreadyApplied'.
   */
  applyGroup(ledger: LedgerSpec, actions: WriteAction[]): Promise<Map<string, GroupOutcome>>;
  /** A key column that compares bytewise (exact, case- and space-sensitive) in a CREATE TABLE. */
  keyColumn(t: Knex.CreateTableBuilder, name: string, length: number): Knex.ColumnBuilder;
  /**
   * A FROM item `j` expanding the JSON array bound at its `?` into rows with these columns (read
   * from each element's same-named field), for set-based statements with one parameter.
   */
  jsonRows(columns: readonly (readonly [string, 'text' | 'integer'])[]): string;
  /**
   * Inserts many rows into `table` in one transaction, as fast as the engine allows (the control
   * store's bulk writes: a run's differences). Each row holds the `columns`' values in order. Not
   * inside another transaction (SQLite's store has one connection, which that one would hold).
   */
  insertRows(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void>;
  /**
   * A loader that inserts batches into `table` off the calling thread, where the engine's driver
   * would block it (SQLite: a thread with a connection of its own); undefined where insertRows does
   * not block it, or no thread can be started (then insertRows).
   */
  bulkLoader?(table: string, columns: readonly string[]): BulkLoader | undefined;
  /** Refreshes the planner's statistics of a table just loaded (a no-op where the engine needs none). */
  analyze(ex: Executor, table: string): Promise<void>;
  /** Rows changed by a raw UPDATE/INSERT (`ex.raw` result). */
  affectedRows(result: unknown): number;
  /** Runs `fn` holding an exclusive lock on the database that other cutover processes respect (schema upgrades). */
  withExclusiveLock<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Copies what has been written into the database file, where the engine first writes it to a
   * log beside it (SQLite's WAL: a passive checkpoint, which waits for no reader or writer). Closing
   * the store does it anyway; a run calls this while it waits for something else, so that the close
   * has less left to do. Absent where there is no such log.
   */
  checkpoint?(): Promise<void>;
  /**
   * Where the engine first writes to a log beside the database file and copies it into the file
   * from time to time as a commit passes an interval (SQLite's WAL and its checkpoints): commits of
   * the store's own connection copy nothing until `checkpointAside`, so that a large transaction
   * (the queue sync of 100k differences) commits without the copy. False where nothing is held (an
   * in-memory database); absent where there is no such log.
   */
  holdCheckpoints?(): Promise<boolean>;
  /**
   * The copy held since holdCheckpoints, made by a thread with a connection of its own while the
   * caller goes on (SQLite: a passive checkpoint, which waits for no reader or writer), and the
   * connection's own checkpoints resumed. Resolves when it is done; never rejects: a copy that could
   * not be made is left to the next commit past the interval, or to the close.
   */
  checkpointAside?(): Promise<void>;
  close(): Promise<void>;
}

export interface AdapterContext {
  logger: Logger;
}

/** Creates adapters for the URL schemes it claims. */
export interface AdapterFactory {
  schemes: readonly string[];
  create(connection: ConnectionConfig, ctx: AdapterContext): Adapter;
}

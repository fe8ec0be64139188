import type { Knex } from 'knex';
import type { Logger } from '../util/logger.js';
import type { ConnectionConfig } from '../config/load-config.js';
import type { FieldType } from '../config/mapping-schema.js';

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
}

/** What `config check --connect` reports for a connection. */
export interface ConnectionInfo {
  dialect: string;
  serverVersion: string;
  latencyMs: number;
  readOnly: boolean;
}

/** One connection kind behind one small interface. */
export interface Adapter {
  readonly name: string;
  readonly dialect: 'postgres' | 'mssql' | 'sqlite' | 'csv' | 'http';
  /** Declared `readOnly: true`: only ever read, refused as a replay or rollback target. */
  readonly readOnly: boolean;
  /** Opens the connection; a failure is a ConnectionError with the URL redacted. */
  connect(): Promise<void>;
  /** Server version, round-trip latency and whether the session is read-only. */
  info(): Promise<ConnectionInfo>;
  /** Streams rows in batches, each row's values in `req.columns` order, respecting backpressure. */
  read(req: ReadRequest): AsyncIterable<RawValue[][]>;
  /** Checks that a table or query exists and produces these columns; throws a DataError naming them. */
  checkColumns(req: Pick<ReadRequest, 'table' | 'query' | 'columns'>): Promise<void>;
  /** SQL kinds: a knex instance for writes (replay, rollback), outside any read-only snapshot. */
  knex?(): Knex;
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

import type * as Pg from 'pg';
import { pg } from './pg-driver.js';
import type { Knex } from 'knex';
import type {
  Adapter,
  AdapterContext,
  BucketSum,
  ChecksumRequest,
  ColumnKind,
  ConnectionInfo,
  LineRead,
  TotalsRequest,
  RawValue,
  ReadRequest,
  WriteDriver,
} from '../types.js';
import { PgWriter } from './pg-writer.js';
import type { ConnectionConfig } from '../settings.js';
import { registerSecret } from '../../util/redact.js';
import { CopyFormatError, CopyTextParser } from './copy-text-parser.js';
import { CopyOut } from './copy-out.js';
import { pgConnectError, pgQueryError } from './pg-errors.js';
import { pgCopySelect, pgSelect, textLiteral as textLiteralOf } from './pg-select.js';
import { quoteDouble, quoteQualified } from '../sql-text.js';
import { bucketSum, checksumSql, pgChecksum, totalsSql } from '../checksum-sql.js';

/** What checksum SQL can make of a column, by its type's OID (domains and extension types: other). */
const KIND_OF_OID: Record<number, ColumnKind> = {
  25: 'text',
  1043: 'text',
  19: 'text',
  1042: 'char',
  20: 'integer',
  21: 'integer',
  23: 'integer',
  1700: 'exact',
  700: 'float',
  701: 'float',
  1082: 'date',
  1114: 'naive',
  1184: 'instant',
  16: 'boolean',
};

/** Exact types stay text: int8, numeric, date, timestamp, timestamptz are never parsed to numbers or Dates. */
const AS_TEXT = new Set([20, 1700, 1082, 1114, 1184]);
export const pgStringTypes: Pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    AS_TEXT.has(oid)
      ? (v: string) => v
      : pg.types.getTypeParser(oid, format ?? 'text')) as Pg.CustomTypesConfig['getTypeParser'],
};

/** Session settings: UTC so timestamptz text is UTC, ISO dates. */
const SESSION_OPTIONS = '-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=iso_8601';

/** PostgreSQL: reads stream `COPY (SELECT ...) TO STDOUT` text, parsed by hand; writes go through knex. */
export class PostgresAdapter implements Adapter {
  readonly dialect = 'postgres' as const;
  /** Typed hashing with PostgreSQL's own hash functions (checksum-sql.ts, pgChecksum.native). */
  readonly nativeChecksum = 'postgres:typed-hash-1';
  readonly name: string;
  readonly readOnly: boolean;
  private pool?: Pg.Pool;
  /** Write sides handed out (closed with the adapter, if their user has not). */
  private readonly writers = new Set<WriteDriver>();
  /** Clients lent to reads in progress: close() must end them, or pool.end() would wait forever. */
  private readonly reading = new Set<Pg.PoolClient>();

  constructor(
    private readonly conn: ConnectionConfig,
    private readonly ctx?: AdapterContext,
  ) {
    this.name = conn.name;
    this.readOnly = conn.readOnly ?? false;
    try {
      registerSecret(decodeURIComponent(new URL(conn.url).password));
    } catch {
      // An unparseable URL fails in connect() with a ConnectionError.
    }
  }

  async connect(): Promise<void> {
    const ctx = { name: this.name, url: this.conn.url };
    try {
      // Parse first: pg would otherwise report a malformed url as an unrelated failure.
      new URL(this.conn.url);
    } catch {
      throw pgConnectError(
        ctx,
        new Error('the url is not a valid postgres://user:password@host:port/database url'),
      );
    }
    this.pool = new pg.Pool({
      connectionString: this.conn.url,
      options: this.readOnly ? `${SESSION_OPTIONS} -c default_transaction_read_only=on` : SESSION_OPTIONS,
      types: pgStringTypes,
      application_name: 'cutover',
      connectionTimeoutMillis: this.conn.connectTimeoutMs ?? 10_000,
      max: 4,
      idleTimeoutMillis: 10_000,
    });
    // A client losing its server must not crash the process. The pool listens while a client is idle;
    // a checked-out client (a COPY in flight) has no listener of its own, and pg emits 'error' on it
    // when the socket closes: without this one that is an uncaught exception. Its query fails anyway.
    this.pool.on('error', (err) =>
      this.ctx?.logger.warn({ connection: this.name, err: err.message }, 'idle connection lost'),
    );
    this.pool.on('connect', (client) =>
      client.on('error', (err) =>
        this.ctx?.logger.debug({ connection: this.name, err: err.message }, 'connection lost'),
      ),
    );
    const t0 = performance.now();
    const timeout = this.conn.connectTimeoutMs ?? 10_000;
    try {
      (await this.pool.connect()).release();
    } catch (err) {
      const timedOut = !(err as { code?: string }).code && performance.now() - t0 >= timeout * 0.9;
      throw pgConnectError(this.errCtx(), err, timedOut ? timeout : undefined);
    }
  }

  async clock(): Promise<Date> {
    const client = await this.acquire();
    try {
      // Epoch microseconds as text: exact, whatever the session's TimeZone and DateStyle.
      const r = await client.query<{ us: string }>(
        'SELECT (extract(epoch FROM clock_timestamp()) * 1000)::numeric(20,3)::text AS us',
      );
      return new Date(Number(r.rows[0]!.us));
    } catch (err) {
      throw pgConnectError(this.errCtx(), err);
    } finally {
      client.release();
    }
  }

  async info(): Promise<ConnectionInfo> {
    const client = await this.acquire();
    try {
      const version = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!
        .server_version;
      const t0 = performance.now();
      await client.query('SELECT 1');
      const latencyMs = performance.now() - t0;
      const ro = (await client.query<{ transaction_read_only: string }>('SHOW transaction_read_only'))
        .rows[0]!;
      return {
        dialect: 'postgres',
        serverVersion: `PostgreSQL ${version}`,
        latencyMs,
        readOnly: this.readOnly || ro.transaction_read_only === 'on',
      };
    } catch (err) {
      throw pgConnectError(this.errCtx(), err);
    } finally {
      client.release();
    }
  }

  /** The COPY that streams the read (window bounds are literals in it: COPY takes no parameters). */
  describeRead(req: ReadRequest): { sql: string; params: unknown[] } {
    return { sql: pgCopySelect(req), params: [] };
  }

  async *read(req: ReadRequest): AsyncIterable<RawValue[][]> {
    const size = req.batchSize ?? 5000;
    const { chunks, parse } = this.copyRead(req);
    let batch: RawValue[][] = [];
    for await (const lines of chunks) {
      for (const line of lines.toString('utf8', 0, lines.length - 1).split('\n')) batch.push(parse(line));
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  }

  /** The COPY's own text lines (read() parses them; the compare engine packs them from the bytes). */
  readLines(req: ReadRequest): LineRead {
    return this.copyRead(req);
  }

  private copyRead(req: ReadRequest): LineRead {
    const parser = new CopyTextParser(req.columns.length);
    // COPY text writes a bool column as t/f: a field declared boolean gets a real boolean for those.
    // Any other text (a char or text column holding Y/N, yes, 1) is left as it is, for `map` and the
    // normaliser to read: the column behind a boolean field need not be a bool.
    const booleans = (req.types ?? []).flatMap((t, i) => (t === 'boolean' ? [i] : []));
    return {
      chunks: this.copyLines(req, parser),
      parse: (line) => {
        const row: RawValue[] = parser.parseLine(line);
        for (const i of booleans) {
          const v = row[i];
          if (v === 't') row[i] = true;
          else if (v === 'f') row[i] = false;
        }
        return row;
      },
    };
  }

  private async *copyLines(req: ReadRequest, parser: CopyTextParser): AsyncIterable<Buffer> {
    const client = await this.acquire();
    this.reading.add(client);
    let clean = false;
    try {
      // One consistent snapshot for the whole read, and no way to write inside it.
      if (this.readOnly) await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const copy = client.query(new CopyOut(pgCopySelect(req)));
      try {
        // `for await` pulls one chunk at a time: the socket is paused while the consumer works.
        for await (const chunk of copy) for (const lines of parser.complete(chunk)) yield lines;
        parser.end();
      } catch (err) {
        throw await this.queryError(req, err);
      }
      if (this.readOnly) await client.query('COMMIT');
      clean = true;
    } catch (err) {
      throw await this.queryError(req, err);
    } finally {
      // A read abandoned mid-COPY (or failed) leaves the session unusable: drop it, do not pool it.
      if (this.reading.delete(client)) client.release(clean ? undefined : true);
    }
  }

  async checkColumns(req: Pick<ReadRequest, 'table' | 'query' | 'columns'>): Promise<void> {
    const client = await this.acquire();
    try {
      await client.query(`${pgSelect({ ...req })} LIMIT 0`);
    } catch (err) {
      throw await this.queryError(req, err);
    } finally {
      client.release();
    }
  }

  async columnKinds(req: Pick<ReadRequest, 'table' | 'columns'>): Promise<ColumnKind[]> {
    const client = await this.acquire();
    try {
      const r = await client.query(`${pgSelect({ ...req })} LIMIT 0`);
      return r.fields.map((f) => KIND_OF_OID[f.dataTypeID] ?? 'other');
    } catch (err) {
      throw await this.queryError(req, err);
    } finally {
      client.release();
    }
  }

  describeChecksums(req: ChecksumRequest): string {
    return checksumSql(pgChecksum, req);
  }

  async keyIsUnique(table: string, columns: string[]): Promise<boolean> {
    const rows = await this.rowsOf(
      table,
      `SELECT 1 FROM pg_index i WHERE i.indrelid = ${textLiteralOf(quoteQualified(table, quoteDouble))}::regclass
         AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
         AND NOT EXISTS (SELECT 1 FROM unnest(i.indkey) AS k(n) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n
                         WHERE NOT a.attname = ANY (ARRAY[${columns.map(textLiteralOf).join(', ')}]::text[]))
       LIMIT 1`,
    );
    return rows.length > 0;
  }

  /** Streamed through COPY, as reads are: a million buckets arrive as text, one line at a time. */
  async checksums(req: ChecksumRequest, sink: (b: BucketSum) => void): Promise<void> {
    const client = await this.acquire();
    let clean = false;
    try {
      if (this.readOnly) await client.query('BEGIN READ ONLY');
      const copy = client.query(new CopyOut(`COPY (${this.describeChecksums(req)}) TO STDOUT`));
      const parser = new CopyTextParser(5);
      const rows: (string | null)[][] = [];
      for await (const chunk of copy) {
        parser.push(chunk, rows);
        for (const r of rows) sink(bucketSum(r));
        rows.length = 0;
      }
      parser.end();
      if (this.readOnly) await client.query('COMMIT');
      clean = true;
    } catch (err) {
      throw await this.queryError({ table: req.spec.table, columns: [] }, err);
    } finally {
      client.release(clean ? undefined : true);
    }
  }

  async estimateRows(table: string): Promise<number | undefined> {
    const rows = await this.rowsOf(
      table,
      `SELECT reltuples::bigint FROM pg_class WHERE oid = ${textLiteralOf(quoteQualified(table, quoteDouble))}::regclass`,
    );
    const n = Number(rows[0]?.[0]);
    return Number.isFinite(n) && n >= 0 ? n : undefined;
  }

  async totals(req: TotalsRequest): Promise<RawValue[][]> {
    return (await this.rowsOf(req.spec.table, totalsSql(pgChecksum, req))) as RawValue[][];
  }

  /** A pushdown statement's rows as arrays (read-only where the connection is). */
  private async rowsOf(table: string, text: string): Promise<unknown[][]> {
    const client = await this.acquire();
    try {
      if (this.readOnly) await client.query('BEGIN READ ONLY');
      const r = await client.query({ text, rowMode: 'array' });
      if (this.readOnly) await client.query('COMMIT');
      return r.rows as unknown[][];
    } catch (err) {
      if (this.readOnly) await client.query('ROLLBACK').catch(() => undefined);
      throw await this.queryError({ table, columns: [] }, err);
    } finally {
      client.release();
    }
  }

  /** A query failure as a CutoverError; a missing table or column looks up what exists, for a suggestion. */
  private async queryError(req: Pick<ReadRequest, 'table' | 'query' | 'columns'>, err: unknown) {
    // A fault in cutover itself (a bad Date, a bug) stays what it is: not a database problem.
    if (err instanceof TypeError || err instanceof RangeError || err instanceof CopyFormatError) return err;
    const code = (err as { code?: string })?.code;
    let existing: string[] | undefined;
    if (this.pool && req.table && (code === '42P01' || code === '42703')) {
      existing = await this.pool
        .query<{ name: string }>(
          code === '42703'
            ? 'SELECT attname AS name FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum'
            : "SELECT CASE WHEN table_schema = current_schema() THEN table_name ELSE table_schema || '.' || table_name END AS name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
          code === '42703' ? [quoteQualified(req.table, quoteDouble)] : [],
        )
        .then(
          (r) => r.rows.map((row) => row.name),
          () => undefined,
        );
    }
    return pgQueryError(this.errCtx(), req, err, existing);
  }

  /** knex is loaded here, on the first write: a reader (a reconcile's reader thread) never needs it. */
  async writer(opts: { poolSize?: number } = {}): Promise<WriteDriver> {
    const { default: knexFactory } = await import('knex');
    const w = new PgWriter(
      knexFactory({
        client: 'pg',
        connection: {
          connectionString: this.conn.url,
          types: pgStringTypes,
          options: SESSION_OPTIONS,
          application_name: 'cutover',
          connectionTimeoutMillis: this.conn.connectTimeoutMs ?? 10_000,
        } as Knex.PgConnectionConfig,
        pool: { min: 0, max: opts.poolSize ?? 4 },
      }),
    );
    this.writers.add(w);
    return w;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    for (const client of this.reading) client.release(true);
    this.reading.clear();
    await pool?.end();
    for (const w of this.writers) await w.close();
    this.writers.clear();
  }

  private errCtx() {
    return { name: this.name, url: this.conn.url };
  }

  private async acquire(): Promise<Pg.PoolClient> {
    if (!this.pool) throw new Error('postgres adapter used before connect()');
    try {
      return await this.pool.connect();
    } catch (err) {
      throw pgConnectError(this.errCtx(), err);
    }
  }
}

import type { Pool, PoolConnection, PoolOptions, TypeCastField, TypeCastNext } from 'mysql2';
import knexFactory from 'knex';
import type {
  Adapter,
  AdapterContext,
  BucketSum,
  ChecksumRequest,
  ColumnKind,
  ConnectionInfo,
  RawValue,
  TotalsRequest,
  ReadRequest,
  WriteDriver,
} from '../types.js';
import { bucketSum, checksumSql, mysqlChecksum, totalsSql } from '../checksum-sql.js';
import type { ConnectionConfig } from '../settings.js';
import { DataError } from '../../errors.js';
import { registerSecret } from '../../util/redact.js';
import { mysqlConnectError, mysqlQueryError } from './mysql-errors.js';
import { mysqlSelect } from './mysql-select.js';
import { MysqlWriter } from './mysql-writer.js';

type Mysql2 = typeof import('mysql2');
let driver: Mysql2 | undefined;
/** mysql2, loaded on first use: a run that never opens a MySQL connection never pays for it. */
async function mysql2(): Promise<Mysql2> {
  driver ??= (await import('mysql2')).default as unknown as Mysql2;
  return driver;
}

/** A zero date (`0000-00-00`, or a zero month or day): MySQL's "no date", which is no instant at all. */
const ZERO_DATE = /^\d{4}-00-|^\d{4}-\d\d-00|^0000-00-00/;

/**
 * Exact types stay exact: DECIMAL and BIGINT as strings, DATE/DATETIME as their wall-clock text
 * (naive: the normalizer reads them in the connection's `timezone`), TIMESTAMP as UTC text with
 * `+00` (the session runs in UTC). A zero date is remembered in `zero` (bad input, reported by the
 * read), never turned into a Date.
 */
export function mysqlTypeCast(zero: { column?: string; value?: string }) {
  return (field: TypeCastField, next: TypeCastNext): unknown => {
    switch (field.type) {
      case 'DATE':
      case 'DATETIME':
      case 'DATETIME2':
      case 'TIMESTAMP':
      case 'TIMESTAMP2':
      case 'NEWDATE': {
        const s = field.string();
        if (s === null) return null;
        if (ZERO_DATE.test(s)) {
          zero.column ??= field.name;
          zero.value ??= s;
          return s;
        }
        // DATETIME(6) pads its fraction (06:00:00.000000); every other dialect hands the shortest text.
        const t = s.includes('.') ? s.replace(/\.?0+$/, '') : s;
        return field.type.startsWith('TIMESTAMP') ? `${t}+00` : t;
      }
      case 'NEWDECIMAL':
      case 'DECIMAL':
      case 'LONGLONG':
        return field.string();
      default:
        return next();
    }
  };
}

/**
 * What checksum SQL can make of a column, by its protocol type (mysql2's Types): character data
 * is text unless its character set is binary (63); TIMESTAMP is an instant (the session is UTC).
 */
function mysqlKind(type: number, charset?: number): ColumnKind {
  if (type === 0 || type === 246) return 'exact';
  if ([1, 2, 3, 8, 9, 13].includes(type)) return 'integer';
  if (type === 4 || type === 5) return 'float';
  if (type === 10 || type === 14) return 'date';
  if (type === 12) return 'naive';
  if (type === 7) return 'instant';
  if ([15, 247, 248, 249, 250, 251, 252, 253, 254].includes(type)) return charset === 63 ? 'other' : 'text';
  return 'other';
}

/** The connection settings reads and writes share (session in UTC, exact numbers). */
export function mysqlOptions(conn: ConnectionConfig): PoolOptions {
  const u = new URL(conn.url);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password) || undefined,
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined,
    timezone: 'Z',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    charset: 'utf8mb4',
    connectTimeout: conn.connectTimeoutMs ?? 10_000,
  };
}

/** MySQL and MariaDB (mysql2): streamed reads in a read-only consistent snapshot, writes through knex. */
export class MysqlAdapter implements Adapter {
  readonly dialect = 'mysql' as const;
  readonly name: string;
  readonly readOnly: boolean;
  private pool?: Pool;
  private readonly writers = new Set<WriteDriver>();

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
    let options: PoolOptions;
    try {
      options = mysqlOptions(this.conn);
    } catch {
      throw mysqlConnectError(
        this.errCtx(),
        new Error('the url is not a valid mysql://user:password@host:port/database url'),
      );
    }
    const m = await mysql2();
    this.pool = m.createPool({ ...options, connectionLimit: 4, waitForConnections: true });
    this.pool.on('connection', (c) => {
      c.query("SET time_zone = '+00:00'");
      c.on('error', (err) =>
        this.ctx?.logger.debug({ connection: this.name, err: err.message }, 'connection lost'),
      );
    });
    const c = await this.acquire();
    c.release();
  }

  async info(): Promise<ConnectionInfo> {
    const c = await this.acquire();
    try {
      const [rows] = (await c.promise().query('SELECT VERSION() AS v, @@read_only AS ro')) as unknown as [
        { v: string; ro: number | string }[],
      ];
      const t0 = performance.now();
      await c.promise().query('SELECT 1');
      const latencyMs = performance.now() - t0;
      const v = rows[0]!.v;
      return {
        dialect: 'mysql',
        serverVersion: /mariadb/i.test(v) ? `MariaDB ${v.replace(/-MariaDB.*$/i, '')}` : `MySQL ${v}`,
        latencyMs,
        readOnly: this.readOnly || String(rows[0]!.ro) === '1',
      };
    } catch (err) {
      throw mysqlConnectError(this.errCtx(), err);
    } finally {
      c.release();
    }
  }

  describeRead(req: ReadRequest): { sql: string; params: unknown[] } {
    return mysqlSelect(req);
  }

  async clock(): Promise<Date> {
    const c = await this.acquire();
    try {
      // UTC wall-clock text (the session's zone plays no part), read as UTC.
      const [rows] = (await c
        .promise()
        .query("SELECT DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ') AS t")) as unknown as [
        { t: string }[],
      ];
      return new Date(rows[0]!.t);
    } catch (err) {
      throw mysqlConnectError(this.errCtx(), err);
    } finally {
      c.release();
    }
  }

  async *read(req: ReadRequest): AsyncIterable<RawValue[][]> {
    const size = req.batchSize ?? 5000;
    const { sql, params } = mysqlSelect(req);
    const c = await this.acquire();
    const zero: { column?: string; value?: string } = {};
    let clean = false;
    try {
      // One consistent snapshot for the whole read, and no way to write inside it.
      await c.promise().query('START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT');
      const stream = c
        .query({ sql, values: params, rowsAsArray: true, typeCast: mysqlTypeCast(zero) })
        .stream({ highWaterMark: size });
      let batch: RawValue[][] = [];
      try {
        // `for await` pulls one row at a time: mysql2 pauses the socket while the buffer is full.
        for await (const row of stream as AsyncIterable<RawValue[]>) {
          if (zero.column !== undefined) throw this.zeroDate(req, zero);
          batch.push(row);
          if (batch.length >= size) {
            yield batch;
            batch = [];
          }
        }
      } catch (err) {
        throw err instanceof DataError ? err : await this.queryError(req, err);
      }
      if (zero.column !== undefined) throw this.zeroDate(req, zero);
      if (batch.length) yield batch;
      await c.promise().query('COMMIT');
      clean = true;
    } catch (err) {
      throw err instanceof DataError ? err : await this.queryError(req, err);
    } finally {
      // A read abandoned mid-stream leaves the session unusable: drop it, do not pool it.
      if (clean) c.release();
      else c.destroy();
    }
  }

  async checkColumns(req: Pick<ReadRequest, 'table' | 'query' | 'columns'>): Promise<void> {
    const c = await this.acquire();
    try {
      // Only the source and its columns: a window or a where would leave unbound placeholders here.
      const { sql } = mysqlSelect({ table: req.table, query: req.query, columns: req.columns });
      await c.promise().query(`${sql} LIMIT 0`);
    } catch (err) {
      throw await this.queryError(req, err);
    } finally {
      c.release();
    }
  }

  async columnKinds(req: Pick<ReadRequest, 'table' | 'columns'>): Promise<ColumnKind[]> {
    const c = await this.acquire();
    try {
      const { sql } = mysqlSelect({ table: req.table, columns: req.columns });
      const [, fields] = (await c.promise().query(`${sql} LIMIT 0`)) as unknown as [
        unknown,
        { columnType?: number; type?: number; characterSet?: number }[],
      ];
      return fields.map((f) => mysqlKind(f.columnType ?? f.type ?? -1, f.characterSet));
    } catch (err) {
      throw await this.queryError({ ...req, query: undefined }, err);
    } finally {
      c.release();
    }
  }

  describeChecksums(req: ChecksumRequest): string {
    return checksumSql(mysqlChecksum, req);
  }

  async keyIsUnique(table: string, columns: string[]): Promise<boolean> {
    const rows = await this.catalog<{ outside: string | number }>(
      table,
      `SELECT INDEX_NAME AS i, SUM(CASE WHEN COLUMN_NAME IN (?) THEN 0 ELSE 1 END) AS outside
         FROM information_schema.STATISTICS
        WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? AND NON_UNIQUE = 0
        GROUP BY INDEX_NAME`,
      [columns],
    );
    return rows.some((r) => Number(r.outside) === 0);
  }

  /**
   * Rows of an information_schema query about a table: `params`, then the table's schema (NULL:
   * the connection's database) and name are bound, in that order.
   */
  private async catalog<T>(table: string, sql: string, params: unknown[] = []): Promise<T[]> {
    const [schema, name] = table.includes('.') ? table.split('.', 2) : [undefined, table];
    const c = await this.acquire();
    try {
      const [rows] = (await c.promise().query(sql, [...params, schema ?? null, name])) as unknown as [T[]];
      return rows;
    } catch (err) {
      throw await this.queryError({ table, columns: [] }, err);
    } finally {
      c.release();
    }
  }

  async checksums(req: ChecksumRequest, sink: (b: BucketSum) => void): Promise<void> {
    const c = await this.acquire();
    let clean = false;
    try {
      await c.promise().query('START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT');
      const stream = c.query({ sql: this.describeChecksums(req), rowsAsArray: true }).stream();
      for await (const row of stream as AsyncIterable<unknown[]>) sink(bucketSum(row));
      await c.promise().query('COMMIT');
      clean = true;
    } catch (err) {
      throw await this.queryError({ table: req.spec.table, columns: [] }, err);
    } finally {
      if (clean) c.release();
      else c.destroy();
    }
  }

  async estimateRows(table: string): Promise<number | undefined> {
    const rows = await this.catalog<{ n: string | number | null }>(
      table,
      'SELECT TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?',
    );
    const n = Number(rows[0]?.n);
    return rows[0]?.n !== null && Number.isFinite(n) && n >= 0 ? n : undefined;
  }

  async totals(req: TotalsRequest): Promise<RawValue[][]> {
    return (await this.rowsOf(req.spec.table, totalsSql(mysqlChecksum, req))) as RawValue[][];
  }

  /** A pushdown statement's rows as arrays, typed as a read's, in a read-only snapshot. */
  private async rowsOf(table: string, sql: string): Promise<unknown[][]> {
    const c = await this.acquire();
    let clean = false;
    try {
      await c.promise().query('START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT');
      const [rows] = (await c
        .promise()
        .query({ sql, rowsAsArray: true, typeCast: mysqlTypeCast({}) })) as unknown as [unknown[][]];
      await c.promise().query('COMMIT');
      clean = true;
      return rows;
    } catch (err) {
      throw await this.queryError({ table, columns: [] }, err);
    } finally {
      if (clean) c.release();
      else c.destroy();
    }
  }

  async writer(opts: { poolSize?: number } = {}): Promise<WriteDriver> {
    let w: MysqlWriter | undefined = undefined;
    type Raw = { query(sql: string, cb: (err: Error | null, rows?: unknown) => void): void };
    const knex = knexFactory({
      client: 'mysql2',
      connection: { ...mysqlOptions(this.conn), typeCast: mysqlTypeCast({}) } as never,
      pool: {
        min: 0,
        max: opts.poolSize ?? 4,
        // UTC session, strict writes (a bad value is an error, not a silent truncation), and the
        // server's flavour for the writer's exact collation.
        afterCreate: (c: Raw, done: (err: Error | null, c: unknown) => void) =>
          c.query("SET time_zone = '+00:00', sql_mode = CONCAT(@@sql_mode, ',STRICT_ALL_TABLES')", (err) => {
            if (err) return done(err, c);
            c.query('SELECT VERSION() AS v', (e, rows) => {
              if (!e) w?.serverVersion((rows as { v: string }[])[0]!.v);
              done(e, c);
            });
          }),
      },
    });
    w = new MysqlWriter(knex);
    this.writers.add(w);
    return w;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.promise().end();
    for (const w of this.writers) await w.close();
    this.writers.clear();
  }

  private zeroDate(req: Pick<ReadRequest, 'table'>, zero: { column?: string; value?: string }): DataError {
    return new DataError(
      `Connection "${this.name}": ${req.table ?? 'the query'} holds the zero date ${zero.value} in ${zero.column}, which is no date at all.`,
      `Turn it into NULL in the mapping (a query: with NULLIF(${zero.column}, '0000-00-00'), or a \`where\` that leaves such rows out), or fix the rows in the source.`,
    );
  }

  private async queryError(req: Pick<ReadRequest, 'table' | 'query' | 'columns'>, err: unknown) {
    if (err instanceof TypeError || err instanceof RangeError) return err;
    const code = (err as { code?: string })?.code;
    let existing: string[] | undefined;
    if (this.pool && req.table && (code === 'ER_NO_SUCH_TABLE' || code === 'ER_BAD_FIELD_ERROR')) {
      const [sql, args] =
        code === 'ER_BAD_FIELD_ERROR'
          ? [
              'SELECT column_name AS name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position',
              [req.table],
            ]
          : ['SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()', []];
      existing = await this.pool
        .promise()
        .query(sql, args)
        .then(
          ([rows]) => (rows as { name: string }[]).map((r) => r.name),
          () => undefined,
        );
    }
    return mysqlQueryError(this.errCtx(), req, err, existing);
  }

  private errCtx() {
    return { name: this.name, url: this.conn.url };
  }

  private async acquire(): Promise<PoolConnection> {
    if (!this.pool) throw new Error('mysql adapter used before connect()');
    try {
      return await new Promise<PoolConnection>((resolve, reject) =>
        this.pool!.getConnection((err, c) => (err ? reject(err) : resolve(c))),
      );
    } catch (err) {
      throw mysqlConnectError(this.errCtx(), err);
    }
  }
}

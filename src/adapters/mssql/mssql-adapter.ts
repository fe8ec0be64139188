import type { Connection, ConnectionConfiguration, Request } from 'tedious';
import knexFactory, { type Knex } from 'knex';
import type {
  Adapter,
  AdapterContext,
  BucketSum,
  ChecksumRequest,
  ColumnKind,
  ConnectionInfo,
  RawValue,
  ReadRequest,
  TotalsRequest,
  WriteDriver,
} from '../types.js';
import { MssqlWriter } from './mssql-writer.js';
import type { ConnectionConfig } from '../settings.js';
import { registerSecret } from '../../util/redact.js';
import { mssqlConnectError, mssqlQueryError } from './mssql-errors.js';
import { mssqlSelect, type MssqlColumnType } from './mssql-select.js';
import { parseMssqlUrl } from './mssql-url.js';
import { RowQueue } from './row-queue.js';
import { bucketSum, checksumSql, mssqlChecksum, totalsSql } from '../checksum-sql.js';
import { quoteBracket, quoteQualified } from '../sql-text.js';

/**
 * tedious, loaded when the first connection opens (every Request needs an open Connection), so a
 * run without SQL Server does not pay ~0.2 s of start-up for it.
 */
let tediousLib: typeof import('tedious') | undefined;
async function loadTedious(): Promise<typeof import('tedious')> {
  return (tediousLib ??= await import('tedious'));
}
function tedious(): typeof import('tedious') {
  if (!tediousLib) throw new Error('tedious used before a connection opened');
  return tediousLib;
}

/** The catalogue's row count of a table (heap or clustered index). */
export function mssqlEstimateSql(table: string): string {
  const name = quoteQualified(table, quoteBracket).replace(/'/g, "''");
  return `SELECT SUM(p.rows) FROM sys.partitions AS p WHERE p.object_id = OBJECT_ID(N'${name}') AND p.index_id IN (0, 1)`;
}

/** What checksum SQL can make of a column, by tedious' type name. */
export function mssqlKind(type: MssqlColumnType): ColumnKind {
  const t = type.name.toLowerCase();
  if (t === 'char' || t === 'nchar') return 'char';
  if (/char|text/.test(t)) return 'text';
  if (/^(tinyint|smallint|int|bigint|intn)$/.test(t)) return 'integer';
  if (/^(decimal|numeric|money|smallmoney)/.test(t)) return 'exact';
  if (/^(float|real)/.test(t)) return 'float';
  if (/^date(n)?$/.test(t)) return 'date';
  if (t.startsWith('datetimeoffset')) return 'instant';
  if (/^(datetime|smalldatetime)/.test(t)) return 'naive';
  if (/^bit/.test(t)) return 'boolean';
  return 'other';
}

interface ColumnValue {
  value: unknown;
}
interface ColumnMeta {
  colName: string;
  type: { name: string };
  dataLength?: number;
}

/**
 * SQL Server through tedious. A read pauses the tedious request whenever a batch and a half is
 * waiting and resumes it when the consumer has taken it (knex's mssql `.stream()` ignores
 * backpressure). Each read has its own connection: tedious runs one request per connection.
 */
export class MssqlAdapter implements Adapter {
  readonly dialect = 'mssql' as const;
  readonly name: string;
  readonly readOnly: boolean;
  private main?: Connection;
  private snapshot?: boolean;
  /** Write sides handed out (closed with the adapter, if their user has not). */
  private readonly writers = new Set<WriteDriver>();
  /** Connections of reads in progress: close() ends them too, so an abandoned read cannot hold the process open. */
  private readonly reading = new Set<Connection>();
  private readonly config: ConnectionConfiguration;

  constructor(
    private readonly conn: ConnectionConfig,
    private readonly ctx?: AdapterContext,
  ) {
    this.name = conn.name;
    this.readOnly = conn.readOnly ?? false;
    this.config = parseMssqlUrl(conn.name, conn.url, {
      readOnly: this.readOnly,
      connectTimeoutMs: conn.connectTimeoutMs,
    });
    const auth = this.config.authentication?.options as { password?: string } | undefined;
    registerSecret(auth?.password);
  }

  async connect(): Promise<void> {
    this.main = await this.open();
    if (this.readOnly) {
      const rows = await this.exec(
        this.main,
        'SELECT snapshot_isolation_state FROM sys.databases WHERE name = DB_NAME()',
      ).catch((err: unknown) => {
        throw mssqlConnectError(this.errCtx(), err);
      });
      this.snapshot = Number(rows.rows[0]?.[0]) === 1;
      if (!this.snapshot) {
        this.ctx?.logger.warn(
          { connection: this.name },
          `Connection "${this.name}": the database does not allow SNAPSHOT isolation, so reads run in READ COMMITTED and may see rows change while they read. ` +
            'Enable it with ALTER DATABASE <db> SET ALLOW_SNAPSHOT_ISOLATION ON, or read from a snapshot or replica.',
        );
      }
    }
  }

  async info(): Promise<ConnectionInfo> {
    const c = this.connection();
    try {
      const v = await this.exec(
        c,
        "SELECT CAST(SERVERPROPERTY('ProductVersion') AS VARCHAR(64)), CAST(SERVERPROPERTY('Edition') AS VARCHAR(128)), CAST(DATABASEPROPERTYEX(DB_NAME(), 'Updateability') AS VARCHAR(32))",
      );
      const t0 = performance.now();
      await this.exec(c, 'SELECT 1');
      const latencyMs = performance.now() - t0;
      const [version, edition, updateability] = (v.rows[0] ?? []) as string[];
      return {
        dialect: 'mssql',
        serverVersion: `SQL Server ${version ?? '?'} (${edition ?? '?'})`,
        latencyMs,
        readOnly: this.readOnly || updateability === 'READ_ONLY',
      };
    } catch (err) {
      throw mssqlConnectError(this.errCtx(), err);
    }
  }

  async clock(): Promise<Date> {
    try {
      const r = await this.exec(this.connection(), 'SELECT CONVERT(VARCHAR(33), SYSUTCDATETIME(), 126)');
      return new Date(`${String((r.rows[0] as string[] | undefined)?.[0])}Z`);
    } catch (err) {
      throw mssqlConnectError(this.errCtx(), err);
    }
  }

  /**
   * The SELECT of the read, its casts picked from the mapping's field types: a real read first probes
   * the result's column types (`TOP 0`), which needs the server, and may cast more exactly (MONEY).
   */
  describeRead(req: ReadRequest): { sql: string; params: unknown[] } {
    const { sql, bindings } = mssqlSelect(req);
    return { sql, params: bindings };
  }

  async *read(req: ReadRequest): AsyncIterable<RawValue[][]> {
    const size = req.batchSize ?? 5000;
    const c = await this.open();
    this.reading.add(c);
    let request: Request | undefined;
    try {
      const types = await this.probe(c, req);
      const { sql, bindings } = mssqlSelect(req, types);
      if (this.readOnly) {
        await this.exec(
          c,
          `SET TRANSACTION ISOLATION LEVEL ${this.snapshot ? 'SNAPSHOT' : 'READ COMMITTED'}`,
        );
      }
      // The completion callback only fires after execSql, by which time the queue exists.
      const holder: { queue?: RowQueue<RawValue[]> } = {};
      const r = new (tedious().Request)(sql, (err) => holder.queue?.finish(err ?? undefined));
      const queue = new RowQueue<RawValue[]>(r, size);
      holder.queue = queue;
      request = r;
      bindings.forEach((b, i) => r.addParameter(`p${i}`, tedious().TYPES.VarChar, b));
      r.on('row', (columns: ColumnValue[]) => queue.push(columns.map((col) => col.value as RawValue)));
      c.execSql(r);
      yield* queue.batches();
      request = undefined;
    } catch (err) {
      throw mssqlQueryError(this.errCtx(), req, err);
    } finally {
      // An abandoned read: cancel it, then close its connection either way.
      if (this.reading.delete(c)) {
        if (request) c.cancel();
        c.close();
      }
    }
  }

  async checkColumns(req: Pick<ReadRequest, 'table' | 'query' | 'columns'>): Promise<void> {
    try {
      await this.probe(this.connection(), req);
    } catch (err) {
      throw mssqlQueryError(this.errCtx(), req, err);
    }
  }

  async columnKinds(req: Pick<ReadRequest, 'table' | 'columns'>): Promise<ColumnKind[]> {
    try {
      return (await this.probe(this.connection(), req)).map(mssqlKind);
    } catch (err) {
      throw mssqlQueryError(this.errCtx(), req, err);
    }
  }

  describeChecksums(req: ChecksumRequest): string {
    return checksumSql(mssqlChecksum, req);
  }

  async checksums(req: ChecksumRequest, sink: (b: BucketSum) => void): Promise<void> {
    try {
      for (const row of (await this.exec(this.connection(), this.describeChecksums(req))).rows)
        sink(bucketSum(row));
    } catch (err) {
      throw mssqlQueryError(this.errCtx(), { table: req.spec.table, columns: [] }, err);
    }
  }

  async estimateRows(table: string): Promise<number | undefined> {
    try {
      const { rows } = await this.exec(this.connection(), mssqlEstimateSql(table));
      const n = Number(rows[0]?.[0]);
      return rows[0]?.[0] !== null && Number.isFinite(n) && n >= 0 ? n : undefined;
    } catch (err) {
      throw mssqlQueryError(this.errCtx(), { table, columns: [] }, err);
    }
  }

  async totals(req: TotalsRequest): Promise<RawValue[][]> {
    try {
      return (await this.exec(this.connection(), totalsSql(mssqlChecksum, req))).rows as RawValue[][];
    } catch (err) {
      throw mssqlQueryError(this.errCtx(), { table: req.spec.table, columns: [] }, err);
    }
  }

  async writer(opts: { poolSize?: number } = {}): Promise<WriteDriver> {
    const auth = this.config.authentication?.options as { userName?: string; password?: string };
    const o = this.config.options!;
    const w = new MssqlWriter(
      knexFactory({
        client: 'mssql',
        connection: {
          server: this.config.server,
          port: o.port,
          user: auth.userName,
          password: auth.password,
          database: o.database,
          options: {
            encrypt: o.encrypt as boolean,
            trustServerCertificate: o.trustServerCertificate,
            instanceName: o.instanceName,
          },
        } as Knex.MsSqlConnectionConfig,
        pool: { min: 0, max: opts.poolSize ?? 4 },
      }),
    );
    this.writers.add(w);
    return w;
  }

  async close(): Promise<void> {
    this.main?.close();
    this.main = undefined;
    for (const c of this.reading) c.close();
    this.reading.clear();
    for (const w of this.writers) await w.close();
    this.writers.clear();
  }

  /** The server's types of the requested columns, from a `SELECT TOP 0` (also checks they exist). */
  private async probe(
    c: Connection,
    req: Pick<ReadRequest, 'table' | 'query' | 'columns'>,
  ): Promise<MssqlColumnType[]> {
    const { sql } = mssqlSelect({ ...req }, undefined, { top0: true });
    const { meta } = await this.exec(c, sql);
    return meta.map((m) => ({ name: m.type.name, dataLength: m.dataLength }));
  }

  private errCtx() {
    return { name: this.name, url: this.conn.url };
  }

  private connection(): Connection {
    if (!this.main) throw new Error('mssql adapter used before connect()');
    return this.main;
  }

  private async open(): Promise<Connection> {
    const { Connection } = await loadTedious();
    return new Promise((resolve, reject) => {
      const c = new Connection(this.config);
      c.connect((err) => (err ? reject(mssqlConnectError(this.errCtx(), err)) : resolve(c)));
      // A later socket error surfaces on the next request; it must not crash the process.
      c.on('error', (err) =>
        this.ctx?.logger.warn({ connection: this.name, err: err.message }, 'connection error'),
      );
    });
  }

  /** Runs a small statement and collects its rows (for probes and settings, never for data). */
  private exec(c: Connection, sql: string): Promise<{ rows: unknown[][]; meta: ColumnMeta[] }> {
    return new Promise((resolve, reject) => {
      const rows: unknown[][] = [];
      let meta: ColumnMeta[] = [];
      const r = new (tedious().Request)(sql, (err) => (err ? reject(err) : resolve({ rows, meta })));
      r.on(
        'columnMetadata',
        (cols) => (meta = (Array.isArray(cols) ? cols : Object.values(cols)) as ColumnMeta[]),
      );
      r.on('row', (columns: ColumnValue[]) => rows.push(columns.map((col) => col.value)));
      c.execSql(r);
    });
  }
}

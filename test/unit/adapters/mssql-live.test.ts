import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getContainerRuntimeClient } from 'testcontainers';
import { MSSQLServerContainer, type StartedMSSQLServerContainer } from '@testcontainers/mssqlserver';
import { createAdapter } from '../../../src/adapters/registry.js';
import type { Adapter, BucketSum, ChecksumSpec, RawValue, ReadRequest } from '../../../src/adapters/types.js';
import { ConnectionError, CutoverError, DataError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/util/logger.js';

/**
 * SQL Server, live, through testcontainers. It needs a Docker engine; without one this is the one
 * skipped suite, and it says why. The SQL text it sends is tested everywhere in mssql-sql.test.ts.
 */
const docker = await getContainerRuntimeClient().then(
  () => undefined,
  (err: unknown) => (err as Error).message,
);
if (docker) console.log(`SQL Server live adapter tests SKIPPED: no Docker engine here (${docker}).`);

const TABLE = 'dbo.CRONUS$Item Ledger Entry';
const COLUMNS = ['Entry No_', 'Order', 'Amount', 'Cost', 'Big', 'Name', 'Posted', 'PostedTz', 'Note'];
const ctx = { logger: silentLogger() };

(docker ? describe.skip : describe)('mssql adapter (live SQL Server)', () => {
  let container: StartedMSSQLServerContainer;
  let url: string;
  let adapter: Adapter;

  const urlFor = (db: string, password = container.getPassword()) =>
    `mssql://${container.getUsername()}:${encodeURIComponent(password)}@${container.getHost()}:${container.getPort()}/${db}?encrypt=false`;

  async function readAll(a: Adapter, req: Partial<ReadRequest>) {
    const batches: RawValue[][][] = [];
    for await (const b of a.read({ table: TABLE, columns: COLUMNS, ...req })) batches.push(b);
    const rows = batches.flat();
    return { batches, rows, byKey: new Map(rows.map((r) => [String(r[0]), r])) };
  }

  beforeAll(async () => {
    container = await new MSSQLServerContainer('mcr.microsoft.com/mssql/server:2022-latest')
      .acceptLicense()
      .start();
    const admin = createAdapter({ name: 'admin', url: urlFor('master') }, ctx);
    await admin.connect();
    await (
      await admin.writer!()
    ).knex.raw('CREATE DATABASE cutover_t; ALTER DATABASE cutover_t SET ALLOW_SNAPSHOT_ISOLATION ON');
    await admin.close();
    url = urlFor('cutover_t');
    const setup = createAdapter({ name: 'setup', url }, ctx);
    await setup.connect();
    const k = (await setup.writer!()).knex;
    await k.raw(`CREATE TABLE [dbo].[CRONUS$Item Ledger Entry] ([Entry No_] INT PRIMARY KEY, [Order] NVARCHAR(50),
      [Amount] DECIMAL(38,12), [Cost] MONEY, [Big] BIGINT, [Name] NVARCHAR(100), [Posted] DATETIME2(6),
      [PostedTz] DATETIMEOFFSET(3), [Note] NVARCHAR(20) NULL)`);
    await k.raw(`WITH n AS (SELECT TOP (3000) ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS i FROM sys.all_objects a CROSS JOIN sys.all_objects b)
      INSERT INTO [dbo].[CRONUS$Item Ledger Entry]
      SELECT i, CONCAT('O-', i), CAST(i AS DECIMAL(38,12)) + 0.5, CAST(i AS MONEY) + 0.1234, CAST(i AS BIGINT) * 1000,
        CONCAT(N'name ', i), DATEADD(HOUR, i, CAST('2024-01-01T00:00:00' AS DATETIME2(6))),
        TODATETIMEOFFSET(DATEADD(HOUR, i + 2, CAST('2024-01-01T00:00:00' AS DATETIME2(3))), '+02:00'),
        CASE WHEN i % 7 = 0 THEN NULL WHEN i % 11 = 0 THEN N'' ELSE CONCAT(N'n', i) END FROM n`);
    await k(TABLE).where('Entry No_', 1).update({
      Amount: '12345678901234567890123456.789012345678',
      Big: '9007199254740993',
      Name: 'Caf\u00e9',
    });
    await k(TABLE).where('Entry No_', 2).update({ Name: 'Cafe\u0301' });
    await setup.close();
    adapter = createAdapter({ name: 'nav', url }, ctx);
    await adapter.connect();
  }, 300_000);

  afterAll(async () => {
    await adapter?.close();
    await container?.stop();
  });

  it('streams every row in batches with exact decimals, money, bigint, Unicode and NULLs', async () => {
    const { batches, rows, byKey } = await readAll(adapter, { batchSize: 500 });
    expect(batches.length).toBeGreaterThan(2);
    expect(rows).toHaveLength(3000);
    const r1 = byKey.get('1')!;
    expect(r1[2]).toBe('12345678901234567890123456.789012345678');
    expect(r1[4]).toBe('9007199254740993');
    expect(Buffer.from(r1[5] as string).equals(Buffer.from('Caf\u00e9'))).toBe(true);
    expect(Buffer.from(byKey.get('2')![5] as string).equals(Buffer.from('Cafe\u0301'))).toBe(true);
    expect(byKey.get('3')![2]).toBe('3.500000000000');
    expect(byKey.get('3')![3]).toBe('3.1234');
    expect(byKey.get('7')![8]).toBeNull();
    expect(byKey.get('11')![8]).toBe('');
  });

  it('returns datetimes as ISO text, the zoned one in UTC', async () => {
    const { byKey } = await readAll(adapter, {});
    expect(byKey.get('1')![6]).toMatch(/^2024-01-01T01:00:00(\.0+)?$/);
    expect(byKey.get('1')![7]).toMatch(/^2024-01-01T01:00:00(\.0+)?(Z|\+00:00)$/);
  });

  it('filters a window with bound parameters', async () => {
    const hour = (h: number) => new Date(Date.UTC(2024, 0, 1) + h * 3_600_000);
    const { rows } = await readAll(adapter, {
      window: { column: 'Posted', since: hour(100), until: hour(200) },
    });
    expect(rows.map((r) => Number(r[0])).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 100 }, (_, i) => 100 + i),
    );
  });

  it('names a missing table and a missing column', async () => {
    const read = async (req: Partial<ReadRequest>) => {
      try {
        for await (const _ of adapter.read({ table: TABLE, columns: COLUMNS, ...req })) void _;
      } catch (e) {
        return e as CutoverError;
      }
      throw new Error('expected a failure');
    };
    const t = await read({ table: 'dbo.No Such Table', columns: ['x'] });
    expect(t).toBeInstanceOf(DataError);
    expect(t.message).toContain('No Such Table');
    const c = await read({ columns: ['Entry No_', 'Ordr'] });
    expect(c).toBeInstanceOf(DataError);
    expect(c.message).toContain('Ordr');
    await expect(adapter.checkColumns({ table: TABLE, columns: ['Ordr'] })).rejects.toThrow(/Ordr/);
  });

  it('reads a readOnly connection under SNAPSHOT isolation', async () => {
    const ro = createAdapter({ name: 'nav', url, readOnly: true }, ctx);
    await ro.connect();
    try {
      const rows: RawValue[][] = [];
      const query =
        'SELECT CAST(transaction_isolation_level AS VARCHAR(2)) AS iso FROM sys.dm_exec_sessions WHERE session_id = @@SPID';
      for await (const b of ro.read({ query, columns: ['iso'] })) rows.push(...b);
      expect(rows).toEqual([['5']]);
      expect((await ro.info()).readOnly).toBe(true);
    } finally {
      await ro.close();
    }
  });

  it('reports a wrong password without the password', async () => {
    const bad = createAdapter({ name: 'nav', url: urlFor('cutover_t', 'Wr0ng-Passw0rd') }, ctx);
    const err = await bad.connect().then(
      () => undefined,
      (e: unknown) => e as CutoverError,
    );
    await bad.close();
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err!.message).toMatch(/authentication failed/);
    expect(err!.paragraph()).not.toContain('Wr0ng-Passw0rd');
  });

  it('computes the same bucket checksums as SQLite over the same values (checksum pushdown across engines)', async () => {
    const { rows } = await readAll(adapter, {});
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-mssql-ck-'));
    try {
      const file = path.join(dir, 'copy.db');
      const db = new Database(file);
      db.exec(`CREATE TABLE t (${COLUMNS.map((c) => `"${c}" TEXT`).join(', ')})`);
      const ins = db.prepare(`INSERT INTO t VALUES (${COLUMNS.map(() => '?').join(', ')})`);
      for (const r of rows) ins.run(...r.map((v) => (v === null ? null : String(v))));
      db.close();
      const sqlite = createAdapter({ name: 'copy', url: `sqlite:${file}` }, ctx);
      await sqlite.connect();
      const spec = (table: string): ChecksumSpec => ({
        side: 'legacy',
        table,
        key: [{ column: 'Entry No_', form: 'number', scale: 0 }],
        fields: [
          { column: 'Order', form: 'string' },
          { column: 'Amount', form: 'number', scale: 12, round: 'half-up' },
          { column: 'Big', form: 'number', scale: 0 },
          { column: 'Posted', form: 'timestamp' },
          { column: 'PostedTz', form: 'timestamp' },
          { column: 'Note', form: 'string' },
        ],
      });
      const kinded = async (a: Adapter, s: ChecksumSpec) => {
        const all = [...s.key, ...s.fields];
        const kinds = await a.columnKinds!({ table: s.table, columns: all.map((f) => f.column) });
        all.forEach((f, i) => (f.kind = kinds[i]));
        return s;
      };
      const sums = async (a: Adapter, s: ChecksumSpec) => {
        const out: BucketSum[] = [];
        await a.checksums!({ spec: await kinded(a, s), bits: 12 }, (b) => out.push(b));
        return out.sort((x, y) => x.bucket - y.bucket);
      };
      const server = await sums(adapter, spec(TABLE));
      const copy = await sums(sqlite, spec('t'));
      await sqlite.close();
      expect(server.length).toBeGreaterThan(100);
      expect(server).toEqual(copy);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

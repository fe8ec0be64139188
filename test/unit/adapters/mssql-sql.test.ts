import { describe, expect, it } from 'vitest';
import knexFactory from 'knex';
import { createAdapter } from '../../../src/adapters/registry.js';
import { mssqlColumnExpr, mssqlSelect, parseMssqlUrl } from '../../../src/adapters/mssql/index.js';
import { mssqlConnectError, mssqlQueryError } from '../../../src/adapters/mssql/mssql-errors.js';
import { ConfigError, ConnectionError, DataError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/util/logger.js';

/** The SQL sent to SQL Server, checked as text (no SQL Server runs on these machines). */
describe('mssql SELECT text', () => {
  const table = 'dbo.CRONUS$Item Ledger Entry';

  it('bracket-quotes a NAV table with `$` and spaces and a reserved-word column, as knex does', () => {
    const { sql, bindings } = mssqlSelect({ table, columns: ['Entry No_', 'Order'] });
    expect(sql).toBe('SELECT [Entry No_], [Order] FROM [dbo].[CRONUS$Item Ledger Entry]');
    expect(bindings).toEqual([]);
    const k = knexFactory({ client: 'mssql' });
    const viaKnex = k.select('Entry No_', 'Order').from(table).toSQL().toNative().sql;
    expect(viaKnex).toBe('select [Entry No_], [Order] from [dbo].[CRONUS$Item Ledger Entry]');
  });

  it('escapes a closing bracket inside a name', () => {
    expect(mssqlSelect({ table: 'a]b', columns: ['x]y'] }).sql).toBe('SELECT [x]]y] FROM [a]]b]');
  });

  it('casts exact types to text by the server type: decimal, money (4 places), bigint, datetimes, date', () => {
    const { sql } = mssqlSelect({ table: 'T', columns: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'] }, [
      { name: 'DecimalN' },
      { name: 'MoneyN', dataLength: 8 },
      { name: 'IntN', dataLength: 8 },
      { name: 'IntN', dataLength: 4 },
      { name: 'DateTime2' },
      { name: 'DateTimeOffset' },
      { name: 'Date' },
      { name: 'NVarChar' },
      { name: 'FloatN' },
    ]);
    expect(sql).toBe(
      'SELECT CAST([a] AS VARCHAR(64)) AS [a], CONVERT(VARCHAR(64), [b], 2) AS [b], CAST([c] AS VARCHAR(20)) AS [c], ' +
        '[d], CONVERT(VARCHAR(33), [e], 126) AS [e], ' +
        "CONVERT(VARCHAR(40), SWITCHOFFSET([f], '+00:00'), 126) AS [f], CONVERT(VARCHAR(10), [g], 23) AS [g], [h], [i] FROM [T]",
    );
  });

  it('falls back to the field type hints when the server types are unknown', () => {
    const { sql } = mssqlSelect({
      table: 'T',
      columns: ['amt', 'qty', 'at', 'name'],
      types: ['decimal', 'integer', 'timestamp', 'string'],
    });
    expect(sql).toBe(
      'SELECT CAST([amt] AS VARCHAR(64)) AS [amt], CAST([qty] AS VARCHAR(20)) AS [qty], CONVERT(VARCHAR(33), [at], 126) AS [at], [name] FROM [T]',
    );
    expect(mssqlColumnExpr('Order')).toBe('[Order]');
  });

  it('binds window bounds as ISO 8601 text parameters (UTC, or the wall clock of a naive zone)', () => {
    const since = new Date('2024-03-01T05:00:00Z');
    const until = new Date('2024-03-02T05:00:00.5Z');
    const utc = mssqlSelect({
      table,
      columns: ['Order'],
      where: '[Entry Type] = 1',
      window: { column: 'Posting Date', since, until },
    });
    expect(utc.sql).toBe(
      'SELECT [Order] FROM [dbo].[CRONUS$Item Ledger Entry] WHERE ([Entry Type] = 1) AND [Posting Date] >= @p0 AND [Posting Date] < @p1',
    );
    expect(utc.bindings).toEqual(['2024-03-01T05:00:00', '2024-03-02T05:00:00.500']);
    const ny = mssqlSelect({
      table,
      columns: ['Order'],
      window: { column: 'Posting Date', since, timezone: 'America/New_York', naive: true },
    });
    expect(ny.bindings).toEqual(['2024-03-01T00:00:00']);
  });

  it('wraps a query as a derived table and probes with TOP 0', () => {
    expect(mssqlSelect({ query: 'SELECT 1 AS n', columns: ['n'] }, undefined, { top0: true }).sql).toBe(
      'SELECT TOP 0 [n] FROM (SELECT 1 AS n\n) AS [cutover_q]',
    );
  });
});

describe('mssql url', () => {
  it('reads user, password, host, port, database and TLS options; readOnly asks for ApplicationIntent=ReadOnly', () => {
    const c = parseMssqlUrl(
      'erp',
      'mssql://sa:p%40ss@db.local:1533/CRONUS?encrypt=false&trustServerCertificate=true',
      {
        readOnly: true,
      },
    );
    expect(c.server).toBe('db.local');
    expect(c.authentication).toEqual({ type: 'default', options: { userName: 'sa', password: 'p@ss' } });
    expect(c.options).toMatchObject({
      port: 1533,
      database: 'CRONUS',
      encrypt: false,
      trustServerCertificate: true,
      readOnlyIntent: true,
    });
    expect(parseMssqlUrl('erp', 'mssql://sa@h/db').options).toMatchObject({
      port: 1433,
      encrypt: true,
      readOnlyIntent: false,
    });
  });

  it('takes connectTimeout= in ms, and refuses one that is not a whole number from 1 to 600,000', () => {
    expect(parseMssqlUrl('erp', 'mssql://sa@h/db?connectTimeout=45000').options?.connectTimeout).toBe(45_000);
    expect(parseMssqlUrl('erp', 'mssql://sa@h/db', { connectTimeoutMs: 5000 }).options?.connectTimeout).toBe(
      5000,
    );
    for (const bad of ['abc', '0', '-5', '1e4', '', '600001', '99999999999999999999']) {
      const url = `mssql://sa:Hunter22@h/db?connectTimeout=${bad}`;
      expect(() => parseMssqlUrl('erp', url)).toThrow(ConfigError);
      expect(() => parseMssqlUrl('erp', url)).toThrow(
        `connectTimeout=${bad} in mssql://sa:***@h/db?connectTimeout=${bad} is not a number of milliseconds from 1 to 600,000.`,
      );
    }
  });

  it('refuses a url it cannot parse, without its password', () => {
    expect(() => parseMssqlUrl('erp', 'mssql://sa:Hunter22@[bad/db')).toThrow(ConfigError);
    expect(() => parseMssqlUrl('erp', 'mssql://sa:Hunter22@[bad/db')).not.toThrow(/Hunter22/);
  });
});

describe('mssql errors', () => {
  const ctx = { name: 'nav', url: 'mssql://sa:Pa55word!@db:1433/CRONUS' };
  const req = { table: 'dbo.CRONUS$Item Ledger Entry', columns: ['Entry No_', 'Ordr'] };

  it('names the table for error 208 and the column for error 207', () => {
    const t = mssqlQueryError(ctx, req, {
      code: 'EREQUEST',
      number: 208,
      message: "Invalid object name 'dbo.CRONUS$Item Ledger Entry'.",
    });
    expect(t).toBeInstanceOf(DataError);
    expect(t.message).toContain('the table dbo.CRONUS$Item Ledger Entry does not exist');
    expect(t.message).toContain('"nav"');
    const c = mssqlQueryError(ctx, req, {
      code: 'EREQUEST',
      number: 207,
      message: "Invalid column name 'Ordr'.",
    });
    expect(c.message).toContain('the column Ordr does not exist in the table dbo.CRONUS$Item Ledger Entry');
  });

  it('explains a failed login without the password', () => {
    const e = mssqlConnectError(ctx, { code: 'ELOGIN', message: "Login failed for user 'sa'." });
    expect(e).toBeInstanceOf(ConnectionError);
    expect(e.message).toMatch(/authentication failed/);
    expect(e.message).toContain('mssql://sa:***@db:1433/CRONUS');
    expect(e.paragraph()).not.toContain('Pa55word!');
  });
});

describe('mssql connection (live, no server needed)', () => {
  it('reports an unreachable host as a ConnectionError without the password', async () => {
    const a = createAdapter(
      { name: 'nav', url: 'mssql://sa:Pa55word!@127.0.0.1:1/CRONUS?encrypt=false', connectTimeoutMs: 3000 },
      { logger: silentLogger() },
    );
    const err = await a.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    await a.close();
    expect(err).toBeInstanceOf(ConnectionError);
    const text = (err as ConnectionError).paragraph();
    expect(text).toContain('"nav"');
    expect(text).toMatch(/refused/);
    expect(text).not.toContain('Pa55word!');
  });
});

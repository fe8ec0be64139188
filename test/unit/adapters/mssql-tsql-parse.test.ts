// The SQL cutover sends to SQL Server, parsed with a T-SQL grammar (node-sql-parser, `transactsql`):
// no Docker engine runs SQL Server on these machines, so a syntax error must not wait for a
// customer's server to find it. The grammar has no MERGE: the upsert is checked as text, and its
// USING source is parsed.
import { Parser } from 'node-sql-parser';
import { describe, expect, it } from 'vitest';
import { mssqlSelect } from '../../../src/adapters/mssql/index.js';
import { MSSQL_PRIMARY_KEY_SQL, mssqlMergeSql } from '../../../src/adapters/mssql/mssql-writer.js';

const parser = new Parser();
/** Parses T-SQL; knex's `?` placeholders become the `@pN` parameters tedious sends. */
function parseTsql(sql: string): void {
  let n = 0;
  parser.astify(
    sql.replace(/\?/g, () => `@p${n++}`),
    { database: 'transactsql' },
  );
}

const since = new Date(Date.UTC(2026, 10, 1));
const until = new Date(Date.UTC(2026, 10, 2));

describe('T-SQL of reads', () => {
  it.each([
    ['a table', { table: 'INVENTSUM', columns: ['ITEMID', 'PHYSICALINVENT'] }],
    [
      'a schema-qualified NAV table with $ and spaces',
      { table: 'dbo.CRONUS$Item Ledger Entry', columns: ['Entry No', 'Amount'] },
    ],
    [
      'typed columns (decimal, timestamp, integer as text)',
      { table: 'T', columns: ['amount', 'at', 'n'], types: ['decimal', 'timestamp', 'integer'] as const },
    ],
    ['a where filter', { table: 'T', columns: ['a'], where: '[a] > 5 AND [b] IS NOT NULL' }],
    [
      'a naive window',
      {
        table: 'T',
        columns: ['a'],
        window: { column: 'posted', since, until, naive: true, timezone: 'America/New_York' },
      },
    ],
    ['a zoned, open-ended window', { table: 'T', columns: ['a'], window: { column: 'posted', since } }],
    ['a query', { query: 'SELECT [a], [b] FROM [T] WHERE [c] = 1', columns: ['a', 'b'] }],
    [
      'a key set on one column',
      { table: 'T', columns: ['a', 'b'], keys: { columns: ['a'], values: [['x'], ["o'k"]] } },
    ],
    [
      'a composite key set with a window and a where',
      {
        table: 'dbo.INVENTSUM',
        columns: ['ITEMID', 'LOC'],
        where: '[DATAAREAID] = 1',
        window: { column: 'posted', since },
        keys: {
          columns: ['ITEMID', 'LOC'],
          values: [
            ['A', '01'],
            ['B', '02'],
          ],
        },
      },
    ],
    ['an empty key set', { table: 'T', columns: ['a'], keys: { columns: ['a'], values: [] } }],
  ])('%s parses', (_name, req) => {
    const { sql } = mssqlSelect({ ...req, types: 'types' in req ? [...req.types] : undefined });
    expect(() => parseTsql(sql)).not.toThrow();
  });

  it('a closing bracket in a name is doubled (the grammar has no ]] escape, so this is checked as text)', () => {
    const { sql } = mssqlSelect({ table: 'odd]name', columns: ['a]b'] }, undefined, { top0: true });
    expect(sql).toBe('SELECT TOP 0 [a]]b] FROM [odd]]name]');
  });

  it('binds each key value as a parameter (@pN after the window bounds), never as text', () => {
    const { sql, bindings } = mssqlSelect({
      table: 'T',
      columns: ['a'],
      window: { column: 'posted', since },
      keys: { columns: ['a', 'b'], values: [["x'--", 'y']] },
    });
    expect(sql).toMatch(/WHERE \[posted\] >= @p0 AND \(\(\[a\] = @p1 AND \[b\] = @p2\)\)$/);
    expect(bindings.slice(1)).toEqual(["x'--", 'y']);
  });

  it('the column probe (TOP 0) parses', () => {
    const { sql } = mssqlSelect({ table: 'dbo.T', columns: ['a', 'b c'] }, undefined, { top0: true });
    expect(sql).toMatch(/^SELECT TOP 0 /);
    expect(() => parseTsql(sql)).not.toThrow();
  });

  it('the parser does refuse broken T-SQL (the check can fail)', () => {
    expect(() => parseTsql('SELECT (a FROM T')).toThrow();
    expect(() => parseTsql('SELECT a, FROM T')).toThrow();
    expect(() => parseTsql('SELECT a FROM T WHERE')).toThrow();
  });
});

describe('T-SQL of writes', () => {
  it('the primary key catalogue query parses', () => {
    expect(() => parseTsql(MSSQL_PRIMARY_KEY_SQL)).not.toThrow();
  });

  it('the atomic upsert is one MERGE WITH (HOLDLOCK), every value bound, its source a valid SELECT', () => {
    const { sql, columns } = mssqlMergeSql('dbo.inventory balance', ['sku', 'loc'], ['qty', 'sku']);
    expect(columns).toEqual(['sku', 'loc', 'qty']);
    expect(sql).toBe(
      'MERGE INTO [dbo].[inventory balance] WITH (HOLDLOCK) AS t ' +
        'USING (SELECT ? AS [sku], ? AS [loc], ? AS [qty]) AS s ' +
        'ON t.[sku] = s.[sku] AND t.[loc] = s.[loc] ' +
        'WHEN MATCHED THEN UPDATE SET t.[qty] = s.[qty] ' +
        'WHEN NOT MATCHED THEN INSERT ([sku], [loc], [qty]) VALUES (s.[sku], s.[loc], s.[qty]) ' +
        'OUTPUT $action AS [__action], inserted.*;',
    );
    expect(sql.match(/\?/g)).toHaveLength(columns.length);
    const using = /USING \((SELECT .*?)\) AS s ON/.exec(sql)![1]!;
    expect(() => parseTsql(using)).not.toThrow();
    // The ON condition, the SET list and the INSERT are valid T-SQL in statements the grammar knows.
    const on = /ON (.*?) WHEN/.exec(sql)![1]!;
    expect(() => parseTsql(`SELECT 1 FROM [x] AS t, [y] AS s WHERE ${on}`)).not.toThrow();
    const set = /UPDATE SET (.*?) WHEN/.exec(sql)![1]!;
    expect(() => parseTsql(`UPDATE t SET ${set} FROM [x] AS t, [y] AS s WHERE ${on}`)).not.toThrow();
    const insert = /INSERT (\(.*?\)) VALUES (\(.*?\)) OUTPUT/.exec(sql)!;
    expect(() =>
      parseTsql(`INSERT INTO [x] ${insert[1]} SELECT ${insert[2]!.slice(1, -1)} FROM [y] AS s`),
    ).not.toThrow();
  });

  it('an upsert whose values are all key columns has no UPDATE branch', () => {
    const { sql } = mssqlMergeSql('T', ['k'], ['k']);
    expect(sql).not.toMatch(/WHEN MATCHED/);
    expect(sql).toMatch(/WHEN NOT MATCHED THEN INSERT \(\[k\]\) VALUES \(s\.\[k\]\)/);
  });
});

// A mapping's `query:` as each dialect wraps it: a pasted query ending in `;` or in a `-- comment`
// must still make a valid derived table; a second statement is refused before any database sees it.
// SQL Server's text is parsed with the T-SQL grammar (no SQL Server runs here); the real reads of
// such queries on SQLite, PostgreSQL and MariaDB are in adapter-contract.test.ts.
import { Parser } from 'node-sql-parser';
import { describe, expect, it } from 'vitest';
import { mssqlSelect } from '../../../src/adapters/mssql/index.js';
import { mysqlSelect } from '../../../src/adapters/mysql/mysql-select.js';
import { pgCopySelect } from '../../../src/adapters/postgres/pg-select.js';
import { sqliteSelect } from '../../../src/adapters/sqlite/index.js';
import { queryStatement, type QuerySyntax } from '../../../src/adapters/mapping-query.js';
import { MappingError } from '../../../src/errors.js';

const SELECTS: Record<string, (query: string) => string> = {
  sqlite: (query) => sqliteSelect({ query, columns: ['id', 'amount'] }).sql,
  postgres: (query) => pgCopySelect({ query, columns: ['id', 'amount'] }),
  mysql: (query) => mysqlSelect({ query, columns: ['id', 'amount'] }).sql,
  mssql: (query) => mssqlSelect({ query, columns: ['id', 'amount'] }, undefined, { top0: true }).sql,
};

const EXPECTED: Record<string, (inner: string) => string> = {
  sqlite: (inner) => `SELECT "id", "amount" FROM (${inner}\n) AS cutover_q`,
  postgres: (inner) => `COPY (SELECT "id", "amount" FROM (${inner}\n) AS cutover_q) TO STDOUT`,
  mysql: (inner) => `SELECT \`id\`, \`amount\` FROM (${inner}\n) AS cutover_q`,
  mssql: (inner) => `SELECT TOP 0 [id], [amount] FROM (${inner}\n) AS [cutover_q]`,
};

const parser = new Parser();

describe.each(Object.keys(SELECTS))('a mapping query wrapped for %s', (dialect) => {
  const select = SELECTS[dialect]!;
  const expected = EXPECTED[dialect]!;

  it.each([
    ['a plain query', 'SELECT id, amount FROM t', 'SELECT id, amount FROM t'],
    ['a trailing ;', 'SELECT id, amount FROM t;', 'SELECT id, amount FROM t'],
    ['a ; then spaces and a newline', 'SELECT id, amount FROM t ;  \n', 'SELECT id, amount FROM t'],
    ['two trailing ;', 'SELECT id, amount FROM t;;', 'SELECT id, amount FROM t'],
    ['a trailing -- comment', 'SELECT id, amount FROM t -- note', 'SELECT id, amount FROM t -- note'],
    [
      'a ; inside a trailing comment',
      'SELECT id, amount FROM t -- note;',
      'SELECT id, amount FROM t -- note;',
    ],
    ['a ; then a comment', 'SELECT id, amount FROM t; -- note', 'SELECT id, amount FROM t'],
    ['a ; then a block comment', 'SELECT id, amount FROM t;\n/* end; */\n', 'SELECT id, amount FROM t'],
    [
      "a ';' in a string",
      "SELECT id, amount FROM t WHERE note = ';'",
      "SELECT id, amount FROM t WHERE note = ';'",
    ],
  ])('%s', (_name, query, inner) => {
    expect(select(query)).toBe(expected(inner));
  });

  it('refuses two statements, saying where the first ends and what follows', () => {
    const err = (() => {
      try {
        select('SELECT id, amount FROM t;\nDELETE FROM t');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(MappingError);
    expect((err as MappingError).message).toBe(
      `The mapping's query holds more than one statement: the ";" at line 1, column 25 is followed by "DELETE FROM t".`,
    );
    expect((err as MappingError).hint).toMatch(/one SELECT/);
  });

  it('refuses a query of only a ; and a comment', () => {
    expect(() => select('; -- nothing')).toThrow(MappingError);
  });
});

describe('the wrapped query on SQL Server parses (T-SQL grammar)', () => {
  it.each([
    ['a trailing ;', 'SELECT [id], [amount] FROM [t];'],
    ['a trailing -- comment', 'SELECT [id], [amount] FROM [t] -- note'],
    ['a ; then a comment', 'SELECT [id], [amount] FROM [t]; -- note'],
  ])('%s', (_name, query) => {
    const { sql } = mssqlSelect({ query, columns: ['id', 'amount'] });
    expect(() => parser.astify(sql, { database: 'transactsql' })).not.toThrow();
  });

  it('the unwrapped forms did not (what the fix is for)', () => {
    expect(() =>
      parser.astify('SELECT [id] FROM (SELECT [id] FROM [t];) AS [cutover_q]', { database: 'transactsql' }),
    ).toThrow();
  });
});

describe('queryStatement: a ; is an end only outside strings, quoted names and comments', () => {
  const ANSI: QuerySyntax = { quotes: { "'": "'", '"': '"' } };
  const PG: QuerySyntax = { quotes: { "'": "'", '"': '"' }, postgres: true, nestedComments: true };
  const MYSQL: QuerySyntax = {
    quotes: { "'": "'", '"': '"', '`': '`' },
    backslashIn: `'"`,
    mysqlComments: true,
  };
  const MSSQL: QuerySyntax = { quotes: { "'": "'", '"': '"', '[': ']' }, nestedComments: true };

  it.each([
    ['a doubled quote in a string', ANSI, "SELECT 'it''s; fine' AS a;", "SELECT 'it''s; fine' AS a"],
    ['a quoted name', ANSI, 'SELECT 1 AS "a;b";', 'SELECT 1 AS "a;b"'],
    ['a bracketed name', MSSQL, 'SELECT 1 AS [a;]]b];', 'SELECT 1 AS [a;]]b]'],
    ['a block comment', ANSI, 'SELECT 1 /* a; b */ AS a;', 'SELECT 1 /* a; b */ AS a'],
    ['a nested block comment', PG, 'SELECT 1 /* a /* b */ ; */ AS a;', 'SELECT 1 /* a /* b */ ; */ AS a'],
    ['a dollar-quoted text', PG, "SELECT $x$ a; 'b $x$ AS a;", "SELECT $x$ a; 'b $x$ AS a"],
    ['a $ inside a name (not a dollar quote)', PG, 'SELECT a$b FROM t;', 'SELECT a$b FROM t'],
    ["an E'' string's backslash", PG, "SELECT E'it\\'s; fine' AS a;", "SELECT E'it\\'s; fine' AS a"],
    ["a MySQL string's backslash", MYSQL, "SELECT 'it\\'s; fine' AS a;", "SELECT 'it\\'s; fine' AS a"],
    ['a MySQL # comment', MYSQL, 'SELECT 1 AS a # note; more', 'SELECT 1 AS a # note; more'],
    ['a ; after a MySQL # comment', MYSQL, 'SELECT 1 AS a; # note', 'SELECT 1 AS a'],
  ])('%s', (_name, syn, query, statement) => {
    expect(queryStatement(query, syn)).toBe(statement);
  });

  it("keeps a standard string's backslash literal (PostgreSQL, SQL Server)", () => {
    expect(() => queryStatement("SELECT 'C:\\' AS a; SELECT 2", PG)).toThrow(MappingError);
    expect(queryStatement("SELECT 'C:\\' AS a;", MSSQL)).toBe("SELECT 'C:\\' AS a");
  });

  it('reads MySQL `--` as a comment only before whitespace (else it is two minus signs)', () => {
    expect(() => queryStatement('SELECT 1--1; SELECT 2', MYSQL)).toThrow(MappingError);
    expect(queryStatement('SELECT 1 -- 1; SELECT 2', MYSQL)).toBe('SELECT 1 -- 1; SELECT 2');
  });

  it('gives the line and column of the ; on a later line', () => {
    expect(() => queryStatement("SELECT 1\n  FROM t WHERE a = ';';\nSELECT 2", ANSI)).toThrow(
      /the ";" at line 2, column 23 is followed by "SELECT 2"/,
    );
  });
});

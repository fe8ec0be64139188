// Checksum pushdown's SQL on every dialect that runs here (PostgreSQL, MariaDB, SQLite): the same
// rows give the same buckets and the same sums on every engine (so PostgreSQL ↔ SQLite and
// SQLite ↔ MariaDB pairs compare), a value with more digits than the field's scale gets its side's
// marker, and a read of the differing buckets returns exactly their rows. SQL Server's SQL is
// parsed with a T-SQL grammar (mssql-tsql-parse.test.ts covers the rest of its SQL).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Parser } from 'node-sql-parser';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAdapter } from '../../../src/adapters/registry.js';
import { mssqlChecksum, checksumSql, totalsSql } from '../../../src/adapters/checksum-sql.js';
import type {
  Adapter,
  BucketSum,
  ChecksumRequest,
  ChecksumSpec,
  RawValue,
} from '../../../src/adapters/types.js';
import { mssqlSelect } from '../../../src/adapters/mssql/index.js';
import { mssqlEstimateSql } from '../../../src/adapters/mssql/mssql-adapter.js';
import { silentLogger } from '../../../src/util/logger.js';
import { createTestDatabase } from '../../helpers/pg.js';
import { createMysqlTestDatabase, mysqlExec } from '../../helpers/mysql.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

/** k, code (CHAR-padded, trimmed), amount (scale 2), qty, flag, day, at (UTC), note (NULL / '' / text). */
type Row = [string, string, string | null, number, boolean, string, string, string | null];

function rows(n: number): Row[] {
  const out: Row[] = [];
  for (let i = 0; i < n; i++)
    out.push([
      `K-${i}${i % 5 === 0 ? ' é' : ''}`,
      `C${i % 7}`,
      i % 13 === 0 ? null : `${(i * 37) % 1000}.${String(i % 100).padStart(2, '0')}`,
      i - 50,
      i % 2 === 0,
      `2026-0${1 + (i % 9)}-1${i % 10}`,
      `2026-11-0${1 + (i % 9)} 1${i % 10}:2${i % 10}:3${i % 10}.${String(i * 7919)
        .slice(-6)
        .padStart(6, '0')}`,
      i % 11 === 0 ? null : i % 17 === 0 ? '' : `note ${i}`,
    ]);
  return out;
}

const DATA = rows(400);
/** One row whose amount has more digits than the scale (1.005 at scale 2). */
const EXCESS: Row = ['K-excess', 'C1', '1.005', 1, true, '2026-01-01', '2026-11-01 00:00:00.000000', 'x'];

function spec(side: 'legacy' | 'cloud', table: string): ChecksumSpec {
  return {
    side,
    table,
    key: [{ column: 'k', form: 'string' }],
    fields: [
      { column: 'code', form: 'string', trim: true },
      { column: 'amount', form: 'number', scale: 2 },
      { column: 'qty', form: 'number', scale: 0 },
      { column: 'flag', form: 'boolean' },
      { column: 'day', form: 'date' },
      { column: 'at', form: 'timestamp' },
      { column: 'note', form: 'string' },
    ],
  };
}

const sqlValue = (v: string | number | boolean | null, bool: (b: boolean) => string) =>
  v === null ? 'NULL' : typeof v === 'boolean' ? bool(v) : typeof v === 'number' ? String(v) : `'${v}'`;

async function open(url: string): Promise<Adapter> {
  const a = createAdapter({ name: 'x', url }, { logger: silentLogger() });
  await a.connect();
  return a;
}

/** The spec with each column's kind, as the run fills it in from the adapter. */
async function kinded(a: Adapter, s: ChecksumSpec): Promise<ChecksumSpec> {
  const all = [...s.key, ...s.fields];
  const kinds = await a.columnKinds!({ table: s.table, columns: all.map((f) => f.column) });
  const withKind = (f: (typeof all)[number], i: number) => ({ ...f, kind: kinds[i] });
  return { ...s, key: s.key.map(withKind), fields: s.fields.map((f, i) => withKind(f, s.key.length + i)) };
}

/** A checksum request's buckets, collected (the adapters hand them to a sink as they arrive). */
async function sums(a: Adapter, req: ChecksumRequest): Promise<BucketSum[]> {
  const out: BucketSum[] = [];
  await a.checksums!(req, (b) => out.push(b));
  return out.sort((x, y) => x.bucket - y.bucket);
}

function byBucket(sums: BucketSum[]): Map<number, BucketSum> {
  return new Map(sums.map((s) => [s.bucket, s]));
}

describe('checksum SQL across engines', () => {
  const adapters: Record<string, Adapter> = {};
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    const all = [...DATA, EXCESS];
    // PostgreSQL: text, char(8), numeric(18,4), int, boolean, date, timestamp.
    const p = await createTestDatabase('cutover_ck');
    cleanups.push(() => p.drop());
    const c = new pg.Client({ connectionString: p.url });
    await c.connect();
    await c.query(
      'CREATE TABLE t (k text PRIMARY KEY, code char(8), amount numeric(18,4), qty int, flag boolean, day date, at timestamp, note text)',
    );
    await c.query(
      `INSERT INTO t VALUES ${all.map((r) => `(${r.map((v) => sqlValue(v, (b) => (b ? 'true' : 'false'))).join(', ')})`).join(', ')}`,
    );
    await c.end();
    adapters.postgres = await open(p.url);
    // MariaDB (case-insensitive, PAD SPACE collation): CHAR(8), DECIMAL(18,4), TINYINT(1), DATETIME(6).
    const m = await createMysqlTestDatabase('cutover_ck');
    cleanups.push(() => m.drop());
    await mysqlExec(
      m.url,
      'CREATE TABLE t (k VARCHAR(40) PRIMARY KEY, code CHAR(8), amount DECIMAL(18,4), qty INT, flag TINYINT(1), day DATE, at DATETIME(6), note TEXT)',
      `INSERT INTO t VALUES ${all.map((r) => `(${r.map((v) => sqlValue(v, (b) => (b ? '1' : '0'))).join(', ')})`).join(', ')}`,
    );
    adapters.mysql = await open(m.url);
    // SQLite: text everywhere but qty (integer) and amount (text, as legacy extracts hold it).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-ck-'));
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'l.db');
    const db = new Database(file);
    db.exec(
      'CREATE TABLE t (k TEXT PRIMARY KEY, code TEXT, amount TEXT, qty INTEGER, flag INTEGER, day TEXT, at TEXT, note TEXT)',
    );
    const ins = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    for (const r of all) ins.run(r[0], r[1].padEnd(8), r[2], r[3], r[4] ? 1 : 0, r[5], r[6], r[7]);
    db.close();
    adapters.sqlite = await open(`sqlite:${file}`);
  });
  afterAll(async () => {
    for (const a of Object.values(adapters)) await a.close();
    for (const c of cleanups) await c();
  });

  it('the same rows give the same buckets and sums on PostgreSQL, MariaDB and SQLite', async () => {
    const all = Object.fromEntries(
      await Promise.all(
        Object.entries(adapters).map(async ([n, a]) => [
          n,
          byBucket(await sums(a, { spec: await kinded(a, spec('legacy', 't')), bits: 16 })),
        ]),
      ),
    ) as Record<string, Map<number, BucketSum>>;
    const rowsIn = (m: Map<number, BucketSum>) => [...m.values()].reduce((s, b) => s + b.rows, 0);
    for (const n of ['postgres', 'mysql', 'sqlite']) expect(rowsIn(all[n]!), n).toBe(DATA.length + 1);
    // Every bucket agrees across engines (the excess row gets the same marker: the same side).
    expect([...all.mysql!.entries()].sort()).toEqual([...all.postgres!.entries()].sort());
    expect([...all.sqlite!.entries()].sort()).toEqual([...all.postgres!.entries()].sort());
  });

  it("a value with more digits than the scale differs from the other side's (its side's marker)", async () => {
    const legacy = byBucket(
      await sums(adapters.postgres!, {
        spec: await kinded(adapters.postgres!, spec('legacy', 't')),
        bits: 16,
      }),
    );
    const cloud = byBucket(
      await sums(adapters.sqlite!, { spec: await kinded(adapters.sqlite!, spec('cloud', 't')), bits: 16 }),
    );
    const differing = [...legacy.keys()].filter(
      (b) => JSON.stringify(legacy.get(b), big) !== JSON.stringify(cloud.get(b), big),
    );
    expect(differing).toHaveLength(1);
    // The differing bucket read back holds the excess row, and only the rows of that bucket.
    const read: RawValue[][] = [];
    for await (const batch of adapters.mysql!.read({
      table: 't',
      columns: ['k'],
      buckets: {
        spec: await kinded(adapters.mysql!, spec('legacy', 't')),
        select: [{ bits: 16, buckets: differing }],
      },
    }))
      read.push(...batch);
    expect(read.map((r) => r[0])).toContain('K-excess');
    expect(read.length).toBe(legacy.get(differing[0]!)!.rows);
  });

  it("with the field's half-up rounding, that value is brought to scale alike on every engine and side", async () => {
    const rounded = (side: 'legacy' | 'cloud') => {
      const s = spec(side, 't');
      s.fields[1] = { ...s.fields[1]!, round: 'half-up' };
      return s;
    };
    const per = await Promise.all(
      Object.values(adapters).map(async (a, i) =>
        JSON.stringify(
          (await sums(a, { spec: await kinded(a, rounded(i % 2 ? 'cloud' : 'legacy')), bits: 16 })).sort(
            (x, y) => x.bucket - y.bucket,
          ),
          big,
        ),
      ),
    );
    expect(per[1]).toBe(per[0]);
    expect(per[2]).toBe(per[0]);
  });

  it('level 2 splits the level-1 buckets it is given by 8 more bits, alike on every engine', async () => {
    const l1 = await sums(adapters.postgres!, {
      bits: 12,
      spec: await kinded(adapters.postgres!, spec('legacy', 't')),
    });
    const within = l1.slice(0, 40).map((b) => b.bucket);
    const per = await Promise.all(
      Object.values(adapters).map(async (a) =>
        (
          await sums(a, {
            spec: await kinded(a, spec('legacy', 't')),
            bits: 17,
            within: { bits: 12, buckets: within },
          })
        ).sort((x, y) => x.bucket - y.bucket),
      ),
    );
    expect(per[0]!.every((b) => within.includes(b.bucket >> 5))).toBe(true);
    expect(per[0]!.reduce((s, b) => s + b.rows, 0)).toBe(l1.slice(0, 40).reduce((s, b) => s + b.rows, 0));
    expect(per[1]).toEqual(per[0]);
    expect(per[2]).toEqual(per[0]);
  });

  it("SQL Server's checksum and bucket-read SQL parse as T-SQL", () => {
    const parser = new Parser();
    const s = { ...spec('cloud', 'dbo.INVENTSUM'), where: '[DATAAREAID] = 1' };
    for (const f of s.fields) if (f.form === 'timestamp') f.kind = 'instant';
    for (const sql of [
      checksumSql(mssqlChecksum, { spec: s, bits: 16 }),
      checksumSql(mssqlChecksum, { spec: s, bits: 13, within: { bits: 10, buckets: [1, 2, 3] } }),
      checksumSql(mssqlChecksum, { spec: { ...s, uniqueKey: true }, bits: 16 }),
      mssqlEstimateSql("dbo.CRONUS$Item Ledger Entry's"),
      totalsSql(mssqlChecksum, {
        spec: s,
        by: [s.fields[0]!],
        measures: [{ count: true }, { sum: s.fields[1]! }, { product: [s.fields[1]!, s.fields[2]!] }],
      }),
      mssqlSelect({
        table: 'dbo.INVENTSUM',
        columns: ['k', 'amount'],
        types: [undefined, 'decimal'],
        where: '[DATAAREAID] = 1',
        buckets: {
          spec: s,
          select: [
            { bits: 16, buckets: [4] },
            { bits: 19, buckets: [1025] },
          ],
        },
      }).sql,
    ])
      expect(() => parser.astify(sql, { database: 'transactsql' }), sql).not.toThrow();
  });
});

function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

describe('keyIsUnique', () => {
  it('sees a unique index within the key columns on PostgreSQL, MariaDB and SQLite, and not a plain one', async () => {
    const p = await createTestDatabase('cutover_uk');
    const m = await createMysqlTestDatabase('cutover_uk');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-uk-'));
    const c = new pg.Client({ connectionString: p.url });
    await c.connect();
    await c.query(
      'CREATE TABLE u (a text, b text, c text, UNIQUE (a, b)); CREATE TABLE n (a text, b text); CREATE INDEX ON n (a, b); CREATE TABLE w (a text, b text); CREATE UNIQUE INDEX ON w (a) WHERE b IS NULL',
    );
    await c.end();
    await mysqlExec(
      m.url,
      'CREATE TABLE u (a VARCHAR(9), b VARCHAR(9), c VARCHAR(9), UNIQUE (a, b))',
      'CREATE TABLE n (a VARCHAR(9), b VARCHAR(9), INDEX (a, b))',
      'CREATE TABLE w (a VARCHAR(9), b VARCHAR(9))',
    );
    const file = path.join(dir, 'u.db');
    const db = new Database(file);
    db.exec(
      'CREATE TABLE u (a TEXT, b TEXT, c TEXT, UNIQUE (a, b)); CREATE TABLE n (a TEXT, b TEXT); CREATE INDEX n_ab ON n (a, b); CREATE TABLE w (a TEXT, b TEXT); CREATE UNIQUE INDEX w_a ON w (a) WHERE b IS NULL',
    );
    db.close();
    const opened = await Promise.all([open(p.url), open(m.url), open(`sqlite:${file}`)]);
    try {
      for (const a of opened) {
        expect(await a.keyIsUnique!('u', ['a', 'b']), a.dialect).toBe(true);
        expect(await a.keyIsUnique!('u', ['a', 'b', 'c']), a.dialect).toBe(true);
        expect(await a.keyIsUnique!('u', ['a']), a.dialect).toBe(false);
        expect(await a.keyIsUnique!('n', ['a', 'b']), a.dialect).toBe(false);
        expect(await a.keyIsUnique!('w', ['a', 'b']), a.dialect).toBe(false);
      }
    } finally {
      for (const a of opened) await a.close();
      await p.drop();
      await m.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

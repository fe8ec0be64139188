import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createAdapter } from '../../../src/adapters/registry.js';
import type { Adapter } from '../../../src/adapters/types.js';
import { silentLogger } from '../../../src/util/logger.js';
import { createTestDatabase } from '../../helpers/pg.js';
import { createMysqlTestDatabase } from '../../helpers/mysql.js';

/**
 * The dialects every adapter contract case runs over (Kysely-style `for (const d of DIALECTS)`),
 * each able to create the same fixture table and open an adapter on it. SQL Server is not here:
 * no Docker engine runs on these machines (see mssql-live.test.ts for its guarded live tests).
 */

/** A table name with a space and a `$`, and a reserved word as a column: quoting must work. */
export const TABLE = 'Item Ledger$Entry';
export const COLUMNS = ['Entry No', 'Order', 'Amount', 'Big', 'Name', 'Posted', 'PostedTz', 'Note'] as const;

/** One fixture row as the text every dialect must hand back (null = SQL NULL). */
export type FixtureRow = (string | null)[];

const BASE = Date.UTC(2024, 0, 1);
const fmt = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

export const NFC = 'Caf\u00e9';
export const NFD = 'Cafe\u0301';
export const ESCAPES = 'tab\there\nnew line \\ back\\N \r\u000b\b\f end';
export const DEC38 = '12345678901234567890123456.789012345678';
export const BIG = '9007199254740993'; // 2^53 + 1: not representable as a double

/** The fixture rows: special values in the first rows, then plain ones. */
export function fixtureRows(n: number): FixtureRow[] {
  const rows: FixtureRow[] = [];
  for (let i = 1; i <= n; i++) {
    const frac = i === 1 ? '.123456' : '';
    const posted = fmt(BASE + i * 3_600_000) + frac;
    const name = [NFC, NFD, '日本語 😀 \u{1F468}\u200D\u{1F469}', ESCAPES][i - 1] ?? `name ${i}`;
    const amount = i === 1 ? DEC38 : i === 2 ? '-0.000000000001' : `${i}.500000000000`;
    const big = i === 1 ? BIG : i === 2 ? '-9223372036854775808' : String(i * 1000);
    const note = i % 7 === 0 ? null : i % 11 === 0 ? '' : `n${i}`;
    rows.push([String(i), `O-${i}`, amount, big, name, posted, `${posted}+00`, note]);
  }
  return rows;
}

export interface OpenedFixture {
  adapter: Adapter;
  /** Connection details for dialect-specific tests. */
  url: string;
  cleanup(): Promise<void>;
}

export interface DialectUnderTest {
  name: 'sqlite' | 'postgres' | 'mysql' | 'csv';
  /** Supports `where` and `query` (the SQL dialects). */
  sql: boolean;
  /** Quotes an identifier in this dialect's SQL (for `where` and `query` texts). */
  quote: (id: string) => string;
  /** Creates the fixture table with these rows and opens an adapter named `fixture` on it. */
  setup(rows: FixtureRow[]): Promise<OpenedFixture>;
}

async function open(url: string): Promise<Adapter> {
  const adapter = createAdapter({ name: 'fixture', url }, { logger: silentLogger() });
  await adapter.connect();
  return adapter;
}

const ansi = (id: string) => `"${id.replace(/"/g, '""')}"`;

const sqlite: DialectUnderTest = {
  name: 'sqlite',
  sql: true,
  quote: ansi,
  async setup(rows) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cutover-sqlite-'));
    const file = path.join(dir, 'fixture.db');
    const db = new Database(file);
    db.exec(`CREATE TABLE "${TABLE}" ("Entry No" INTEGER PRIMARY KEY, "Order" TEXT, "Amount" TEXT,
      "Big" INTEGER, "Name" TEXT, "Posted" TEXT, "PostedTz" TEXT, "Note" TEXT)`);
    const ins = db.prepare(`INSERT INTO "${TABLE}" VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    db.transaction(() => {
      for (const r of rows) ins.run(BigInt(r[0]!), r[1], r[2], BigInt(r[3]!), r[4], r[5], r[6], r[7]);
    })();
    db.close();
    const url = `sqlite:${file}`;
    const adapter = await open(url);
    return {
      adapter,
      url,
      cleanup: async () => void (await adapter.close(), await fs.rm(dir, { recursive: true })),
    };
  },
};

const postgres: DialectUnderTest = {
  name: 'postgres',
  sql: true,
  quote: ansi,
  async setup(rows) {
    const db = await createTestDatabase('cutover_adapt');
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await c.query(`CREATE TABLE "${TABLE}" ("Entry No" int PRIMARY KEY, "Order" text, "Amount" numeric(38,12),
        "Big" int8, "Name" text, "Posted" timestamp(6), "PostedTz" timestamptz, "Note" text)`);
      for (let at = 0; at < rows.length; at += 1000) {
        const chunk = rows.slice(at, at + 1000);
        const params: unknown[] = [];
        const tuples = chunk.map((r) => {
          // The zoned column is written at +02:00: it must come back as UTC text.
          const tz = r[6]!.replace(
            /^(.{19})(\.\d+)?\+00$/,
            (_m, s: string, f: string | undefined) =>
              `${fmt(Date.parse(s.replace(' ', 'T') + 'Z') + 7_200_000)}${f ?? ''}+02`,
          );
          params.push(r[0], r[1], r[2], r[3], r[4], r[5], tz, r[7]);
          const b = params.length - 8;
          return `(${Array.from({ length: 8 }, (_, k) => `$${b + k + 1}`).join(', ')})`;
        });
        await c.query(`INSERT INTO "${TABLE}" VALUES ${tuples.join(', ')}`, params);
      }
    } finally {
      await c.end();
    }
    const adapter = await open(db.url);
    return { adapter, url: db.url, cleanup: async () => void (await adapter.close(), await db.drop()) };
  },
};

/**
 * MariaDB (the MySQL/MariaDB adapter): DECIMAL(38,12), BIGINT, DATETIME(6) (naive) and TIMESTAMP(6)
 * (stored in UTC; written in a UTC session), a case-insensitive PAD SPACE collation on the database.
 */
const mariadb: DialectUnderTest = {
  name: 'mysql',
  sql: true,
  quote: (id) => `\`${id.replace(/`/g, '``')}\``,
  async setup(rows) {
    const db = await createMysqlTestDatabase('cutover_adapt');
    const c = await mysql.createConnection({ uri: db.url, supportBigNumbers: true, bigNumberStrings: true });
    try {
      await c.query("SET time_zone = '+00:00'");
      await c.query(`CREATE TABLE \`${TABLE}\` (\`Entry No\` INT PRIMARY KEY, \`Order\` VARCHAR(40),
        \`Amount\` DECIMAL(38,12), \`Big\` BIGINT, \`Name\` TEXT, \`Posted\` DATETIME(6),
        \`PostedTz\` TIMESTAMP(6) NULL, \`Note\` TEXT) CHARACTER SET utf8mb4`);
      for (let at = 0; at < rows.length; at += 1000) {
        const chunk = rows
          .slice(at, at + 1000)
          .map((r) => [...r.slice(0, 6), r[6]!.replace(/\+00$/, ''), r[7]]);
        await c.query(`INSERT INTO \`${TABLE}\` VALUES ?`, [chunk]);
      }
    } finally {
      await c.end();
    }
    const adapter = await open(db.url);
    return { adapter, url: db.url, cleanup: async () => void (await adapter.close(), await db.drop()) };
  },
};

/** RFC 4180 text: every value quoted (so "" is the empty string), NULL as an empty unquoted field. */
export function toCsv(header: readonly string[], rows: FixtureRow[], bom = true): string {
  const q = (v: string | null) => (v === null ? '' : `"${v.replace(/"/g, '""')}"`);
  const lines = [header.map(q).join(','), ...rows.map((r) => r.map(q).join(','))];
  return (bom ? '\uFEFF' : '') + lines.join('\r\n') + '\r\n';
}

const csv: DialectUnderTest = {
  name: 'csv',
  sql: false,
  quote: ansi,
  async setup(rows) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cutover-csv-'));
    await fs.writeFile(path.join(dir, `${TABLE}.csv`), toCsv(COLUMNS, rows));
    const url = `csv:${dir}`;
    const adapter = await open(url);
    return {
      adapter,
      url,
      cleanup: async () => void (await adapter.close(), await fs.rm(dir, { recursive: true })),
    };
  },
};

export const DIALECTS: DialectUnderTest[] = [sqlite, postgres, mariadb, csv];

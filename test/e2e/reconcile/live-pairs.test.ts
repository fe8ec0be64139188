// A live dual run across engines (issue 15), through the binary: PostgreSQL ↔ SQLite and
// SQLite ↔ MariaDB. The first pass is checksum-pushed-down (only the differing buckets are read);
// between the passes this process writes to the cloud side, and the confirm pass counts the
// in-flight, changed and persistent differences right. MariaDB's collation is case-insensitive and
// PAD SPACE: 'k1' and 'K1' are still two keys.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase } from '../../helpers/pg.js';
import { createMysqlTestDatabase, mysqlExec } from '../../helpers/mysql.js';
import { makeProject } from './fixture.js';
import { reconcileBetweenPasses } from './live-helpers.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const MAPPING = `name: live
key: [sku]
fields:
  sku: { type: string }
  qty: { type: decimal, scale: 2 }
totals:
  - { sum: [qty], count: true }
legacy: { connection: legacy, table: stock, columns: { sku: sku, qty: qty } }
cloud: { connection: cloud, table: stock, columns: { sku: sku, qty: qty } }
`;

/** 200 agreeing rows, then: k1 differs, k2 differs, k3 differs, K1 only in the cloud, k5 only in legacy. */
const LEGACY: [string, string][] = [
  ...Array.from({ length: 200 }, (_, i) => [`s${i}`, `${i}.50`] as [string, string]),
  ['k1', '1.00'],
  ['k2', '2.00'],
  ['k3', '3.00'],
  ['k5', '5.00'],
];
const CLOUD: [string, string][] = [
  ...Array.from({ length: 200 }, (_, i) => [`s${i}`, `${i}.50`] as [string, string]),
  ['k1', '1.50'],
  ['k2', '2.50'],
  ['k3', '3.50'],
  ['K1', '1.00'],
];
/** Between the passes: k1 settles (in flight), k2 moves again (changed), k3 stays (persistent). */
const BETWEEN = [
  "UPDATE stock SET qty = 1.00 WHERE sku = 'k1'",
  "UPDATE stock SET qty = 2.75 WHERE sku = 'k2'",
];

function sqliteFile(dir: string, rows: [string, string][]): string {
  const file = path.join(dir, `side-${rows.length}.db`);
  const db = new Database(file);
  db.exec('CREATE TABLE stock (sku TEXT, qty TEXT)');
  const ins = db.prepare('INSERT INTO stock VALUES (?, ?)');
  for (const r of rows) ins.run(...r);
  db.close();
  return file;
}

const values = (rows: [string, string][]) => rows.map(([s, q]) => `('${s}', ${q})`).join(', ');

interface Summary {
  counts: Record<string, number>;
  confirm: Record<string, unknown>;
  pushdown: { mode: string; rowsMatchedInDatabase: number };
  totals: { field: string; legacy: string; cloud: string }[];
}

// SQLite is read in this process, where auto streams: `on` pushes its side down too.
async function check(dir: string, between: () => Promise<void>): Promise<void> {
  const r = await reconcileBetweenPasses(
    dir,
    ['live', '--confirm-after', '3s', '--json', '--pushdown', 'on'],
    between,
  );
  expect(r.code, r.stderr).toBe(1);
  const s = JSON.parse(r.stdout) as Summary;
  expect(s.pushdown).toMatchObject({ mode: 'checksum' });
  expect(s.pushdown.rowsMatchedInDatabase).toBeGreaterThan(150);
  // First pass: k1, k2, k3 mismatched, K1 missing in legacy, k5 missing in the cloud.
  expect(s.confirm).toEqual({ after: 'PT3S', rechecked: 5, persistent: 3, changed: 1, inFlight: 1 });
  expect(s.counts).toEqual(
    expect.objectContaining({
      legacy: 204,
      cloud: 204,
      matched: 201,
      mismatched: 2,
      missingInCloud: 1,
      missingInLegacy: 1,
    }),
  );
  // The control totals, computed in each side's SQL, are the first pass's.
  expect(s.totals.find((t) => t.field === 'qty')).toMatchObject({ legacy: '20011.00', cloud: '20008.50' });
}

describe('a live dual run across engines: pushdown, then the confirm pass', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  it('PostgreSQL (legacy) ↔ SQLite (cloud)', async () => {
    const legacy = await createTestDatabase('cutover_lp');
    cleanups.push(() => legacy.drop());
    const c = new pg.Client({ connectionString: legacy.url });
    await c.connect();
    await c.query(
      `CREATE TABLE stock (sku text PRIMARY KEY, qty numeric(12,2)); INSERT INTO stock VALUES ${values(LEGACY)}`,
    );
    await c.end();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-lp-'));
    cleanups.push(async () => fs.rmSync(tmp, { recursive: true, force: true }));
    const cloud = sqliteFile(tmp, CLOUD);
    const dir = makeProject({ legacy: legacy.url, cloud: `sqlite:${cloud}` }, { live: MAPPING });
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    await check(dir, async () => {
      const db = new Database(cloud);
      for (const sql of BETWEEN) db.exec(sql);
      db.close();
    });
  });

  it('SQLite (legacy) ↔ MariaDB (cloud, case-insensitive PAD SPACE collation)', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-lp-'));
    cleanups.push(async () => fs.rmSync(tmp, { recursive: true, force: true }));
    const legacy = sqliteFile(tmp, LEGACY);
    const cloud = await createMysqlTestDatabase('cutover_lp');
    cleanups.push(() => cloud.drop());
    await mysqlExec(
      cloud.url,
      'CREATE TABLE stock (sku VARCHAR(20), qty DECIMAL(12,2))',
      `INSERT INTO stock VALUES ${values(CLOUD)}`,
    );
    const dir = makeProject({ legacy: `sqlite:${legacy}`, cloud: cloud.url }, { live: MAPPING });
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    // BINARY: the test's own UPDATE must not touch K1 through the case-insensitive collation.
    await check(dir, () =>
      mysqlExec(cloud.url, ...BETWEEN.map((q) => q.replace("sku = '", "sku = BINARY '"))).then(
        () => undefined,
      ),
    );
  });
});

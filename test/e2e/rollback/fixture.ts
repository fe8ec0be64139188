import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createTestDatabase } from '../../helpers/pg.js';
import { createMysqlTestDatabase } from '../../helpers/mysql.js';

/** The events mapping of these tests: every table action, an insert into a table without a key, an irreversible refund. */
export const MAPPING = `name: events
target: cloud
events:
  inventory.adjusted:
    table: inventory_balance
    action: increment
    match: { sku: $.payload.sku, location_code: $.payload.location }
    values: { qty_on_hand: $.payload.delta }
  inventory.counted:
    table: inventory_balance
    action: upsert
    match: { sku: $.payload.sku, location_code: $.payload.location }
    values: { qty_on_hand: $.payload.qty, last_event: $.id }
  inventory.noted:
    table: inventory_balance
    action: update
    match: { sku: $.payload.sku, location_code: $.payload.location }
    values: { last_event: $.id }
  item.deleted:
    table: inventory_balance
    action: delete
    match: { sku: $.payload.sku, location_code: $.payload.location }
  note.added:
    table: stock_notes
    action: insert
    values: { sku: $.payload.sku, note: $.payload.note }
  refund.issued:
    table: refunds
    action: insert
    values: { refund_id: $.payload.refundId, amount: $.payload.amount }
    irreversible: true
`;

export interface Ev {
  id: string;
  type: string;
  key: string;
  occurredAt: string;
  payload: Record<string, unknown>;
}

const at = (n: number) => new Date(Date.UTC(2026, 10, 25, 22, 0, 0) + n * 1000).toISOString();

/** A small night touching every action kind; several events per key so undo must chain. */
export function smallNight(withRefund: boolean): Ev[] {
  const ev: Ev[] = [];
  let n = 0;
  const e = (type: string, key: string, payload: Record<string, unknown>) =>
    ev.push({ id: `ev-${String(++n).padStart(4, '0')}`, type, key, occurredAt: at(n), payload });
  for (let k = 0; k < 6; k++) {
    const p = { sku: `SKU-${k}`, location: 'S1' };
    e('inventory.adjusted', `SKU-${k}@S1`, { ...p, delta: '-2.125' });
    e('inventory.adjusted', `SKU-${k}@S1`, { ...p, delta: `${k}.500` });
  }
  e('inventory.counted', 'SKU-1@S1', { sku: 'SKU-1', location: 'S1', qty: '42.000' });
  e('inventory.adjusted', 'SKU-1@S1', { sku: 'SKU-1', location: 'S1', delta: '1.001' });
  e('inventory.counted', 'SKU-NEW@S1', { sku: 'SKU-NEW', location: 'S1', qty: '7.000' });
  e('inventory.adjusted', 'SKU-NEW@S1', { sku: 'SKU-NEW', location: 'S1', delta: '3.000' });
  e('inventory.noted', 'SKU-2@S1', { sku: 'SKU-2', location: 'S1' });
  e('item.deleted', 'SKU-7@S1', { sku: 'SKU-7', location: 'S1' });
  e('note.added', 'SKU-3@S1', { sku: 'SKU-3', note: 'recount requested' });
  e('note.added', 'SKU-4@S1', { sku: 'SKU-4', note: 'shelf damaged' });
  if (withRefund) e('refund.issued', 'R-1', { refundId: 'R-1', amount: '25.00', currency: 'USD' });
  return ev;
}

/** Many increments over many keys (the interruption test). */
export function bigNight(keys: number, perKey: number): Ev[] {
  const ev: Ev[] = [];
  for (let i = 0; i < perKey; i++)
    for (let k = 0; k < keys; k++)
      ev.push({
        id: `big-${k}-${i}`,
        type: 'inventory.adjusted',
        key: `SKU-${k}@S1`,
        occurredAt: at(i * 10),
        payload: {
          sku: `SKU-${k}`,
          location: 'S1',
          delta: `${(k % 5) + 1}.${String(i % 1000).padStart(3, '0')}`,
        },
      });
  return ev;
}

/** One dialect of target database, driven directly (setup, snapshots, edits behind cutover's back). */
export interface TargetKit {
  dialect: 'sqlite' | 'postgres' | 'mariadb';
  url: string;
  exec(sql: string): Promise<void>;
  rows(sql: string): Promise<Record<string, unknown>[]>;
  /** Every row of the business tables, ordered: what "row for row" compares. */
  snapshot(): Promise<string>;
  close(): Promise<void>;
}

const SNAP = [
  'SELECT * FROM inventory_balance ORDER BY sku, location_code',
  'SELECT * FROM stock_notes ORDER BY sku, note',
  'SELECT * FROM refunds ORDER BY refund_id',
];

/** Creates the business tables with `keys` balances of 100.000 at S1 (plus SKU-7, which an event deletes). */
async function seed(kit: TargetKit, keys: number): Promise<void> {
  const num = kit.dialect === 'sqlite' ? 'NUMERIC' : 'numeric(18,3)';
  // MariaDB keys a VARCHAR, not a TEXT.
  const key = kit.dialect === 'mariadb' ? 'varchar(64)' : 'text';
  await kit.exec(
    `CREATE TABLE inventory_balance (sku ${key} NOT NULL, location_code ${key} NOT NULL, qty_on_hand ${num}, last_event text, PRIMARY KEY (sku, location_code))`,
  );
  await kit.exec('CREATE TABLE stock_notes (sku text, note text)');
  await kit.exec(
    `CREATE TABLE refunds (refund_id ${key} PRIMARY KEY, amount ${kit.dialect === 'sqlite' ? 'TEXT' : 'numeric(12,2)'})`,
  );
  const values = Array.from({ length: Math.max(keys, 8) }, (_, k) => `('SKU-${k}', 'S1', 100.000, NULL)`);
  await kit.exec(`INSERT INTO inventory_balance VALUES ${values.join(', ')}`);
  await kit.exec(`INSERT INTO stock_notes VALUES ('SKU-0', 'pre-existing')`);
}

/** A fresh SQLite target file with the business tables. */
export async function sqliteKit(dir: string, keys = 8): Promise<TargetKit> {
  const file = path.join(dir, 'cloud.db');
  const db = new Database(file);
  db.pragma('busy_timeout = 10000');
  const kit: TargetKit = {
    dialect: 'sqlite',
    url: `sqlite:${file}`,
    exec: async (sql) => void db.exec(sql),
    rows: async (sql) => db.prepare(sql).all() as Record<string, unknown>[],
    snapshot: async () => JSON.stringify(SNAP.map((q) => db.prepare(q).all())),
    close: async () => void db.close(),
  };
  await seed(kit, keys);
  return kit;
}

/** A fresh PostgreSQL database with the business tables. */
export async function postgresKit(keys = 8): Promise<TargetKit> {
  const t = await createTestDatabase('cutover_rb');
  const client = new pg.Client({ connectionString: t.url });
  await client.connect();
  const kit: TargetKit = {
    dialect: 'postgres',
    url: t.url,
    exec: async (sql) => void (await client.query(sql)),
    rows: async (sql) => (await client.query(sql)).rows as Record<string, unknown>[],
    snapshot: async () => {
      // One client runs one query at a time (pg 9 will refuse queued queries).
      const out: unknown[] = [];
      for (const q of SNAP) out.push((await client.query(q)).rows);
      return JSON.stringify(out);
    },
    close: async () => {
      await client.end();
      await t.drop();
    },
  };
  await seed(kit, keys);
  return kit;
}

/** A fresh MariaDB database with the business tables (its default case-insensitive collation). */
export async function mariadbKit(keys = 8): Promise<TargetKit> {
  const t = await createMysqlTestDatabase('cutover_rb');
  const c = await mysql.createConnection({ uri: t.url, supportBigNumbers: true, bigNumberStrings: true });
  const kit: TargetKit = {
    dialect: 'mariadb',
    url: t.url.replace(/^mysql:/, 'mariadb:'),
    exec: async (sql) => void (await c.query(sql)),
    rows: async (sql) => (await c.query(sql))[0] as Record<string, unknown>[],
    snapshot: async () => {
      const out: unknown[] = [];
      for (const q of SNAP) out.push((await c.query(q))[0]);
      return JSON.stringify(out);
    },
    close: async () => {
      await c.end();
      await t.drop();
    },
  };
  await seed(kit, keys);
  return kit;
}

/** A temp project: cutover.yaml (the target as `cloud`), the events mapping, and the events file. */
export function makeProject(
  targetUrl: string,
  events: Ev[],
  opts: { readOnly?: boolean; apiUrl?: string; extraRules?: string } = {},
): string {
  const dir = track(fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-rollback-')));
  writeConfig(dir, targetUrl, opts.readOnly, opts.apiUrl);
  fs.mkdirSync(path.join(dir, 'mappings'));
  fs.writeFileSync(path.join(dir, 'mappings', 'events.yaml'), MAPPING + (opts.extraRules ?? ''));
  fs.writeFileSync(path.join(dir, 'events.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return dir;
}

/** (Re)writes cutover.yaml: the target connection, maybe read-only, and a SQLite control store. */
export function writeConfig(dir: string, targetUrl: string, readOnly = false, apiUrl?: string): void {
  fs.writeFileSync(
    path.join(dir, 'cutover.yaml'),
    `connections:\n  cloud: { url: "${targetUrl}"${readOnly ? ', readOnly: true' : ''} }\n` +
      (apiUrl ? `  api: { url: "${apiUrl}" }\n` : '') +
      'control: { url: "sqlite:./control.db" }\n',
  );
}

/** A temp folder (for a SQLite target before its project exists). */
export function tempDir(): string {
  return track(fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-rollback-db-')));
}

const made: string[] = [];
function track(dir: string): string {
  made.push(dir);
  return dir;
}

/** Removes the temp folders the tests made (call after each test, once its connections are closed). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

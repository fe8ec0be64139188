import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestDatabase } from '../../helpers/pg.js';
import { runCli } from '../../helpers/cli.js';
import { makeProject, writeEvents, at } from './fixture.js';

// Issue 12 items 6 and 7: the dry run checks every value through the real run's own code, so its
// "would fail" list is the real run's failures; impossible instants and offsets fail their event.

const MAPPING = `name: events
target: cloud
events:
  inventory.adjusted:
    table: inventory_balance
    action: increment
    match: { sku: $.payload.sku, location_code: $.payload.location }
    values: { qty_on_hand: $.payload.delta }
  refund.issued:
    table: refunds
    action: upsert
    match: { refund_id: $.payload.refundId }
    values: { amount: $.payload.amount, refunded_at: $.occurredAt, requested_on: $.payload.requestedOn }
  refund.dated:
    table: refunds
    action: upsert
    match: { refund_id: $.payload.refundId }
    values: { amount: $.payload.amount, refunded_at: $.payload.refundedAt }
`;

/** Bad increments, one key (and one existing row) each. */
const BAD_DELTAS: unknown[] = [
  'NaN',
  'Infinity',
  '1; DROP TABLE x',
  '0x10',
  '1e2',
  true,
  null,
  [1],
  { a: 1 },
  1.23e22,
];
const SKUS = BAD_DELTAS.length + 2;

interface Line {
  eventId: string | null;
  line: number;
}

function events(): (Record<string, unknown> | string)[] {
  const out: (Record<string, unknown> | string)[] = [];
  BAD_DELTAS.forEach((delta, n) =>
    out.push({
      id: `bad-${n}`,
      type: 'inventory.adjusted',
      key: `SKU-${n}@S1`,
      occurredAt: at(n),
      payload: { sku: `SKU-${n}`, location: 'S1', delta },
    }),
  );
  // Good ones: a decimal string and an exact JSON number.
  out.push({
    id: 'good-1',
    type: 'inventory.adjusted',
    key: `SKU-${SKUS - 2}@S1`,
    occurredAt: at(20),
    payload: { sku: `SKU-${SKUS - 2}`, location: 'S1', delta: '-2.125' },
  });
  out.push({
    id: 'good-2',
    type: 'inventory.adjusted',
    key: `SKU-${SKUS - 1}@S1`,
    occurredAt: at(21),
    payload: { sku: `SKU-${SKUS - 1}`, location: 'S1', delta: 7.5 },
  });
  const refund = (id: string, occurredAt: string, extra: Record<string, unknown> = {}) => ({
    id,
    type: 'refund.issued',
    key: `RF-${id}`,
    occurredAt,
    payload: { refundId: `RF-${id}`, amount: '19.99', requestedOn: '2026-11-24', ...extra },
  });
  out.push(refund('feb30', '2026-02-30T02:00:00Z'));
  out.push(refund('offset', '2026-11-25T02:00:00+99:00'));
  out.push(refund('hour25', '2026-11-25T25:00:00Z'));
  out.push(refund('baddate', at(30), { requestedOn: '2026-13-01' }));
  out.push(refund('badamount', at(31), { amount: 'twelve' }));
  out.push(refund('ok', '2026-11-25T02:00:00+05:30'));
  out.push({
    id: 'payload-ts',
    type: 'refund.dated',
    key: 'RF-payload-ts',
    occurredAt: at(40),
    payload: { refundId: 'RF-payload-ts', amount: '1.00', refundedAt: '2026-02-29T10:00:00Z' },
  });
  out.push({
    id: 'payload-ok',
    type: 'refund.dated',
    key: 'RF-payload-ok',
    occurredAt: at(41),
    payload: { refundId: 'RF-payload-ok', amount: '1.00', refundedAt: '2028-02-29T10:00:00Z' },
  });
  return out;
}

const BAD_IDS = [
  ...BAD_DELTAS.map((_d, n) => `bad-${n}`),
  'feb30',
  'offset',
  'hour25',
  'baddate',
  'badamount',
  'payload-ts',
].sort();

interface Target {
  url: string;
  /** Current qty_on_hand by sku, and the refund ids in the table. */
  state(): Promise<{ qty: Record<string, string>; refunds: string[] }>;
  drop(): Promise<void>;
}

async function sqliteTarget(dir: string): Promise<Target> {
  const file = path.join(dir, 'target.db');
  const db = new Database(file);
  db.exec(`CREATE TABLE inventory_balance (sku TEXT NOT NULL, location_code TEXT NOT NULL, qty_on_hand TEXT,
             PRIMARY KEY (sku, location_code));
           CREATE TABLE refunds (refund_id TEXT PRIMARY KEY, amount NUMERIC NOT NULL, refunded_at DATETIME,
             requested_on DATE);`);
  const ins = db.prepare(`INSERT INTO inventory_balance VALUES (?, 'S1', '10.000')`);
  for (let n = 0; n < SKUS; n++) ins.run(`SKU-${n}`);
  db.close();
  return {
    url: 'sqlite:./target.db',
    async state() {
      const d = new Database(file, { readonly: true });
      try {
        const qty = Object.fromEntries(
          (
            d.prepare('SELECT sku, qty_on_hand FROM inventory_balance').all() as {
              sku: string;
              qty_on_hand: string;
            }[]
          ).map((r) => [r.sku, String(r.qty_on_hand)]),
        );
        const refunds = (
          d.prepare('SELECT refund_id FROM refunds ORDER BY 1').all() as { refund_id: string }[]
        ).map((r) => r.refund_id);
        return { qty, refunds };
      } finally {
        d.close();
      }
    },
    drop: async () => undefined,
  };
}

async function pgTarget(): Promise<Target> {
  const db = await createTestDatabase();
  const q = async <T>(sql: string): Promise<T[]> => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      return (await c.query(sql)).rows as T[];
    } finally {
      await c.end();
    }
  };
  await q(`CREATE TABLE inventory_balance (sku text NOT NULL, location_code text NOT NULL, qty_on_hand numeric(18,3),
             PRIMARY KEY (sku, location_code));
           CREATE TABLE refunds (refund_id text PRIMARY KEY, amount numeric(12,2) NOT NULL, refunded_at timestamptz,
             requested_on date);
           INSERT INTO inventory_balance SELECT 'SKU-' || g, 'S1', 10 FROM generate_series(0, ${SKUS - 1}) g;`);
  return {
    url: db.url,
    async state() {
      const rows = await q<{ sku: string; qty_on_hand: string }>(
        'SELECT sku, qty_on_hand::text FROM inventory_balance',
      );
      const refunds = await q<{ refund_id: string }>('SELECT refund_id FROM refunds ORDER BY 1');
      return {
        qty: Object.fromEntries(rows.map((r) => [r.sku, Number(r.qty_on_hand).toFixed(3)])),
        refunds: refunds.map((r) => r.refund_id),
      };
    },
    drop: () => db.drop(),
  };
}

const byId = (xs: Line[]) => xs.map((x) => `${x.eventId}@${x.line}`).sort();

describe.each([
  ['SQLite', 'sqlite'],
  ['PostgreSQL', 'postgres'],
])('replay value checks into %s', (_label, kind) => {
  let dir: string;
  let target: Target;
  beforeAll(async () => {
    dir = makeProject({ cloud: '{ url: "URL" }' }, MAPPING);
    target = kind === 'sqlite' ? await sqliteTarget(dir) : await pgTarget();
    const yaml = path.join(dir, 'cutover.yaml');
    fs.writeFileSync(yaml, fs.readFileSync(yaml, 'utf8').replace('URL', target.url));
    writeEvents(dir, events() as never);
  });
  afterAll(async () => {
    await target?.drop();
  });

  it('the dry run would fail exactly the events the real run fails, and those change nothing', async () => {
    const before = await target.state();
    const dry = await runCli(['replay', '--events', 'events.jsonl', '--dry-run', '--json'], { cwd: dir });
    expect(dry.stderr).not.toMatch(/fault/);
    expect(dry.code, dry.stderr).toBe(1);
    const dryOut = dry.json<{ dryRun: { wouldFail: (Line & { problem: string })[] } }>();
    expect(await target.state()).toEqual(before);

    const real = await runCli(['replay', '--events', 'events.jsonl', '--json'], { cwd: dir });
    expect(real.stderr).not.toMatch(/fault/);
    expect(real.code, real.stderr).toBe(1);
    const report = real.json<{ reports: { json: string } }>().reports.json;
    const out = JSON.parse(fs.readFileSync(report, 'utf8')) as {
      counts: Record<string, number>;
      failures: (Line & { error: string })[];
    };

    expect(byId(dryOut.dryRun.wouldFail)).toEqual(byId(out.failures));
    expect(out.failures.map((f) => f.eventId).sort()).toEqual(BAD_IDS);
    expect(out.counts).toMatchObject({ failed: BAD_IDS.length, applied: 4, parked: 0 });
    const problem = (id: string) => out.failures.find((f) => f.eventId === id)!.error;
    expect(problem('feb30')).toMatch(
      /"occurredAt" "2026-02-30T02:00:00Z" is not a real instant: it has day 30/,
    );
    expect(problem('offset')).toMatch(/offset \+99:00, which no time zone has/);
    expect(problem('hour25')).toMatch(/hour 25/);
    expect(problem('baddate')).toMatch(/requested_on \(a date column\) is not a real date: it has month 13/);
    expect(problem('badamount')).toMatch(/refunds.amount \(a decimal column\) is not a number/);
    expect(problem('payload-ts')).toMatch(
      /refunded_at \(a timestamp column\) is not a real timestamp: it has day 29/,
    );
    expect(problem('bad-9')).toMatch(
      /the increment 1\.23e\+22 for inventory_balance\.qty_on_hand is not a decimal/,
    );
    // The same text in both lists.
    for (const f of out.failures)
      expect(dryOut.dryRun.wouldFail.find((w) => w.eventId === f.eventId)!.problem).toBe(
        f.error.replace(/ \(action \w+ needs one\)$/, ''),
      );

    const after = await target.state();
    for (let n = 0; n < BAD_DELTAS.length; n++) expect(after.qty[`SKU-${n}`]).toBe('10.000');
    expect(after.qty[`SKU-${SKUS - 2}`]).toBe('7.875');
    expect(after.qty[`SKU-${SKUS - 1}`]).toMatch(/^17\.50*$/);
    expect(after.refunds).toEqual(['RF-ok', 'RF-payload-ok']);
  });
});

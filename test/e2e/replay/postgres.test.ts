import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestDatabase } from '../../helpers/pg.js';
import { runCli, BIN } from '../../helpers/cli.js';
import { makeProject, writeEvents, at, INVENTORY_MAPPING, type Ev } from './fixture.js';

const KEYS = 200;
const PER_KEY = 10;

/** A night of events: per key, increments with 3-decimal deltas and an occasional count (a `set`), shuffled in the file. */
function night(seed: number): { events: Ev[]; expected: Map<string, string> } {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const events: Ev[] = [];
  const expected = new Map<string, string>();
  for (let k = 0; k < KEYS; k++) {
    const sku = `SKU-${k}`;
    let qty = 1000_000n; // thousandths: starts at 1000.000
    for (let n = 0; n < PER_KEY; n++) {
      const id = `ev-${k}-${n}`;
      const occurredAt = at(n * 60 + (k % 7));
      if (n % 4 === 3) {
        const set = BigInt(Math.floor(rnd() * 100000));
        qty = set;
        events.push({
          id,
          type: 'inventory.counted',
          key: `${sku}@S1`,
          occurredAt,
          payload: { sku, location: 'S1', qty: fmt(set) },
        });
      } else {
        const delta = BigInt(Math.floor(rnd() * 20000) - 10000);
        qty += delta;
        events.push({
          id,
          type: 'inventory.adjusted',
          key: `${sku}@S1`,
          occurredAt,
          payload: { sku, location: 'S1', delta: fmt(delta) },
        });
      }
    }
    expected.set(sku, fmt(qty));
  }
  for (let i = events.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [events[i], events[j]] = [events[j]!, events[i]!];
  }
  return { events, expected };
}

/** Rows in the target's replay ledger (0 before the first replay creates it). */
async function ledgerCount(url: string): Promise<number> {
  const has = await query<{ n: string }>(
    url,
    `SELECT count(*) AS n FROM pg_tables WHERE tablename = 'cutover_replay_ledger'`,
  );
  if (has[0]!.n === '0') return 0;
  return Number((await query<{ n: string }>(url, 'SELECT count(*) AS n FROM cutover_replay_ledger'))[0]!.n);
}

function fmt(thousandths: bigint): string {
  const neg = thousandths < 0n;
  const d = (neg ? -thousandths : thousandths).toString().padStart(4, '0');
  return `${neg ? '-' : ''}${d.slice(0, -3)}.${d.slice(-3)}`;
}

async function prepareTarget(url: string, costMs: number): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`DROP TABLE IF EXISTS inventory_balance, refunds, cutover_replay_ledger`);
  await c.query(`CREATE TABLE inventory_balance (sku text, location_code text, qty_on_hand numeric(18,3), last_event text,
                 PRIMARY KEY (sku, location_code))`);
  await c.query(
    `CREATE TABLE refunds (refund_id text PRIMARY KEY, amount numeric(12,2), refunded_at timestamptz)`,
  );
  await c.query(
    `INSERT INTO inventory_balance SELECT 'SKU-' || g, 'S1', 1000, NULL FROM generate_series(0, ${KEYS - 1}) g`,
  );
  if (costMs > 0) {
    await c.query(
      `CREATE FUNCTION slow() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(${costMs / 1000}); RETURN NEW; END $$ LANGUAGE plpgsql`,
    );
    await c.query(
      `CREATE TRIGGER slow BEFORE UPDATE ON inventory_balance FOR EACH ROW EXECUTE FUNCTION slow()`,
    );
  }
  await c.end();
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

describe('cutover replay into PostgreSQL', () => {
  let db: { url: string; drop(): Promise<void> };
  let dir: string;
  let night1: ReturnType<typeof night>;
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = makeProject({ cloud: `{ url: "${db.url}" }` }, INVENTORY_MAPPING);
    night1 = night(7);
    writeEvents(dir, night1.events);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('keeps per-key order under --concurrency 32 and sums exactly', async () => {
    await prepareTarget(db.url, 0);
    const res = await runCli(['replay', '--events', 'events.jsonl', '--concurrency', '32', '--json'], {
      cwd: dir,
    });
    expect(res.stderr).not.toMatch(/fault/);
    expect(res.code).toBe(0);
    expect(res.json<{ counts: Record<string, number> }>().counts).toEqual({
      read: KEYS * PER_KEY,
      applied: KEYS * PER_KEY,
      alreadyApplied: 0,
      failed: 0,
      parked: 0,
    });
    const rows = await query<{ sku: string; qty_on_hand: string }>(
      db.url,
      'SELECT sku, qty_on_hand FROM inventory_balance',
    );
    expect(new Map(rows.map((r) => [r.sku, r.qty_on_hand]))).toEqual(night1.expected);
    const ledger = await query<{ event_key: string; seq: string; occurred_at: string; event_id: string }>(
      db.url,
      'SELECT event_key, seq, occurred_at, event_id FROM cutover_replay_ledger ORDER BY event_key, seq',
    );
    const perKey = new Map<string, string[]>();
    for (const l of ledger) perKey.set(l.event_key, [...(perKey.get(l.event_key) ?? []), l.occurred_at]);
    for (const times of perKey.values()) expect(times).toEqual([...times].sort());
    // applied_at order per key follows occurredAt too
    const applied = await query<{ n: string }>(
      db.url,
      `SELECT count(*) AS n FROM (SELECT occurred_at, lag(occurred_at) OVER (PARTITION BY event_key ORDER BY applied_at, seq) AS prev FROM cutover_replay_ledger) x WHERE prev > occurred_at`,
    );
    expect(applied[0]!.n).toBe('0');

    const again = await runCli(['replay', '--events', 'events.jsonl', '--json'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.json<{ counts: { applied: number; alreadyApplied: number } }>().counts).toMatchObject({
      applied: 0,
      alreadyApplied: KEYS * PER_KEY,
    });

    // An id the ledger holds for another event (ids restarting per capture file) fails, never skipped.
    const first = night1.events[0]!;
    writeEvents(dir, [{ ...first, key: 'other', occurredAt: '2031-01-01T00:00:00Z' }], 'reused.jsonl');
    const reused = await runCli(['replay', '--events', 'reused.jsonl', '--json'], { cwd: dir });
    expect(reused.code).toBe(1);
    const out = reused.json<{ runId: string; counts: Record<string, number> }>();
    expect(out.counts).toMatchObject({ read: 1, applied: 0, alreadyApplied: 0, failed: 1 });
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'reports', out.runId, 'replay.json'), 'utf8'));
    expect(report.failures[0].error).toMatch(
      new RegExp(
        `event id "${first.id}" is already in the target's ledger .*key "other", not "${first.key}"`,
      ),
    );
  });

  it('survives SIGKILL at random points: resumed to the exact state, every event in the ledger once', async () => {
    await prepareTarget(db.url, 8);
    const control = path.join(dir, 'control.db');
    let runId: string | undefined;
    let kills = 0;
    let interrupted = false;
    for (let round = 0; round < 4; round++) {
      const args = ['replay', '--events', 'events.jsonl', '--concurrency', '8', '--group', '5'];
      if (runId) args.push('--resume', runId);
      // A statement the killed process had already sent still commits on the server (with its ledger
      // rows: that is the exactly-once contract). Let those land first, so that the count below
      // only grows through the new process.
      for (let last = -1, now = await ledgerCount(db.url); now !== last;) {
        await new Promise((r) => setTimeout(r, 150));
        [last, now] = [now, await ledgerCount(db.url)];
      }
      const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: 'ignore' });
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      const before = Number(
        (
          await query<{ n: string }>(
            db.url,
            `SELECT count(*) AS n FROM pg_tables WHERE tablename = 'cutover_replay_ledger'`,
          )
        )[0]!.n,
      )
        ? Number(
            (await query<{ n: string }>(db.url, 'SELECT count(*) AS n FROM cutover_replay_ledger'))[0]!.n,
          )
        : 0;
      // wait until this process has applied something, then kill it 50-400 ms later
      for (let i = 0; i < 400; i++) {
        await new Promise((r) => setTimeout(r, 25));
        const has = await query<{ n: string }>(
          db.url,
          `SELECT count(*) AS n FROM pg_tables WHERE tablename = 'cutover_replay_ledger'`,
        );
        if (
          has[0]!.n !== '0' &&
          Number(
            (await query<{ n: string }>(db.url, 'SELECT count(*) AS n FROM cutover_replay_ledger'))[0]!.n,
          ) > before
        )
          break;
      }
      await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 350)));
      // the last round is a Ctrl-C: in-flight work finishes, the run is recorded as interrupted, exit 130
      const signal = round === 3 ? 'SIGINT' : 'SIGKILL';
      if (child.exitCode === null) {
        child.kill(signal);
        if (signal === 'SIGKILL') kills++;
      }
      const code = await exited;
      if (signal === 'SIGINT' && code !== 0) {
        expect(code).toBe(130);
        const c = new Database(control, { readonly: true });
        const st = c.prepare(`SELECT status FROM cutover_runs WHERE id = ?`).get(runId) as { status: string };
        c.close();
        expect(st.status).toBe('interrupted');
        interrupted = true;
      }
      if (!runId) {
        const c = new Database(control, { readonly: true });
        runId = (
          c
            .prepare(
              `SELECT id FROM cutover_runs WHERE command = 'replay' ORDER BY started_at DESC, id DESC LIMIT 1`,
            )
            .get() as { id: string }
        ).id;
        c.close();
      }
    }
    expect(kills).toBeGreaterThanOrEqual(2);
    expect(interrupted).toBe(true);
    const mid = Number(
      (await query<{ n: string }>(db.url, 'SELECT count(*) AS n FROM cutover_replay_ledger'))[0]!.n,
    );
    expect(mid).toBeLessThan(KEYS * PER_KEY);
    const last = await runCli(['replay', '--events', 'events.jsonl', '--resume', runId!, '--json'], {
      cwd: dir,
    });
    expect(last.code).toBe(0);
    const out = last.json<{
      runId: string;
      status: string;
      counts: { applied: number; alreadyApplied: number };
    }>();
    expect(out.runId).toBe(runId);
    // The resumed run reports the whole run: what it applied before each kill is its own work too.
    expect(mid).toBeGreaterThan(0);
    expect(out.counts).toMatchObject({ applied: KEYS * PER_KEY, alreadyApplied: 0 });
    const rows = await query<{ sku: string; qty_on_hand: string }>(
      db.url,
      'SELECT sku, qty_on_hand FROM inventory_balance',
    );
    expect(new Map(rows.map((r) => [r.sku, r.qty_on_hand]))).toEqual(night1.expected);
    const ledger = await query<{ event_id: string; run_id: string }>(
      db.url,
      'SELECT event_id, run_id FROM cutover_replay_ledger',
    );
    expect(ledger.length).toBe(KEYS * PER_KEY);
    expect(new Set(ledger.map((l) => l.event_id))).toEqual(new Set(night1.events.map((e) => e.id)));
    expect(new Set(ledger.map((l) => l.run_id))).toEqual(new Set([runId]));
  }, 180_000);
});

describe('cutover replay from an outbox table, with a poison key (PostgreSQL)', () => {
  let db: { url: string; drop(): Promise<void> };
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = makeProject(
      { cloud: `{ url: "${db.url}" }`, legacy: `{ url: "${db.url}", readOnly: true }` },
      INVENTORY_MAPPING,
    );
    await prepareTarget(db.url, 0);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query(
      `CREATE TABLE outbox (id text, type text, key text, occurred_at timestamptz, payload jsonb)`,
    );
    const rows: [string, string, string, string, unknown][] = [
      ['o1', 'inventory.adjusted', 'SKU-1@S1', at(2), { sku: 'SKU-1', location: 'S1', delta: '0.005' }],
      ['o2', 'inventory.counted', 'SKU-1@S1', at(1), { sku: 'SKU-1', location: 'S1', qty: '7' }],
      ['o3', 'inventory.adjusted', 'GHOST@S1', at(1), { sku: 'GHOST', location: 'S1', delta: '1' }],
      ['o4', 'inventory.counted', 'GHOST@S1', at(2), { sku: 'GHOST', location: 'S1', qty: '1' }],
      ['o5', 'inventory.adjusted', 'GHOST@S1', at(3), { sku: 'GHOST', location: 'S1', delta: '1' }],
      ['o6', 'inventory.counted', 'NEW@S1', at(3), { sku: 'NEW', location: 'S1', qty: '12.5' }],
      ['o7', 'refund.issued', 'RF-9', at(4), { refundId: 'RF-9', amount: '10.10' }],
      ['o8', 'no.such.type', 'SKU-2@S1', at(0), { sku: 'SKU-2' }],
      ['o9', 'inventory.adjusted', 'SKU-2@S1', at(5), { sku: 'SKU-2', location: 'S1', delta: '1' }],
    ];
    for (const r of rows)
      await c.query('INSERT INTO outbox VALUES ($1, $2, $3, $4, $5)', [
        r[0],
        r[1],
        r[2],
        r[3],
        JSON.stringify(r[4]),
      ]);
    await c.end();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('dry-runs without writing, then applies; the poison and unknown-type keys park only themselves', async () => {
    const dry = await runCli(['replay', '--events', 'cloud:outbox', '--dry-run', '--json'], { cwd: dir });
    expect(dry.stderr).not.toMatch(/fault/);
    expect(dry.json<{ counts: Record<string, number> }>().counts).toMatchObject({
      read: 9,
      applied: 6,
      failed: 3,
    });
    expect(
      (
        await query<{ n: string }>(
          db.url,
          `SELECT count(*) AS n FROM pg_tables WHERE tablename = 'cutover_replay_ledger'`,
        )
      )[0]!.n,
    ).toBe('0');

    const res = await runCli(['replay', '--events', 'cloud:outbox', '--json', '--concurrency', '4'], {
      cwd: dir,
    });
    expect(res.code).toBe(1);
    expect(res.json<{ counts: Record<string, number> }>().counts).toEqual({
      read: 9,
      applied: 4,
      alreadyApplied: 0,
      failed: 2,
      parked: 3,
    });
    const rows = await query<{ sku: string; qty_on_hand: string }>(
      db.url,
      `SELECT sku, qty_on_hand FROM inventory_balance WHERE sku IN ('SKU-1', 'SKU-2', 'NEW', 'GHOST') ORDER BY sku`,
    );
    expect(rows).toEqual([
      { sku: 'NEW', qty_on_hand: '12.500' },
      { sku: 'SKU-1', qty_on_hand: '7.005' },
      { sku: 'SKU-2', qty_on_hand: '1000.000' },
    ]);
    const refunds = await query<{ amount: string }>(db.url, 'SELECT amount FROM refunds');
    expect(refunds).toEqual([{ amount: '10.10' }]);
    const led = await query<{ event_id: string; before_json: string }>(
      db.url,
      `SELECT event_id, before_json FROM cutover_replay_ledger ORDER BY seq`,
    );
    expect(led.map((l) => l.event_id)).toEqual(['o2', 'o1', 'o6', 'o7']);
    expect(JSON.parse(led[1]!.before_json)).toEqual([
      { sku: 'SKU-1', location_code: 'S1', qty_on_hand: '7.000', last_event: 'o2' },
    ]);
    expect(led[2]!.before_json).toBe('[]');

    const list = await runCli(['exceptions', 'list', '--json'], { cwd: dir });
    const items = list.json<{ items: { kind: string; key: unknown }[] }>().items;
    expect(items.map((i) => `${i.kind} ${String(i.key)}`).sort()).toEqual([
      'replay_failed GHOST@S1',
      'replay_failed SKU-2@S1',
      'replay_parked GHOST@S1',
      'replay_parked SKU-2@S1',
    ]);
    const ro = await runCli(['replay', '--events', 'cloud:outbox', '--target', 'legacy'], { cwd: dir });
    expect(ro.code).toBe(2);
  }, 240_000);
});

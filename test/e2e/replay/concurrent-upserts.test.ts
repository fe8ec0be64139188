import pg from 'pg';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestDatabase } from '../../helpers/pg.js';
import { runCli } from '../../helpers/cli.js';
import { makeProject, writeEvents, at, INVENTORY_MAPPING, type Ev } from './fixture.js';

/**
 * Issue 12 item 8: upserts of one new row from many keys at once, and two replays of one file at
 * once, must not fail on the race for the new row (a unique violation): exact state, exit 0, every
 * event in the ledger exactly once, no exception opened.
 */

const EVENTS = 4000;
const ROWS = 400;

/** 4,000 events from 4,000 keys, each row written by ten of them with the same quantity. */
function events(): Ev[] {
  return Array.from({ length: EVENTS }, (_, n) => ({
    id: `up-${n}`,
    type: 'inventory.counted',
    key: `K-${n}`,
    occurredAt: at(n % 50),
    payload: { sku: `NEW-${n % ROWS}`, location: 'S1', qty: `${n % ROWS}.125` },
  }));
}

const MAPPING = INVENTORY_MAPPING.replace(
  'values: { qty_on_hand: $.payload.qty, last_event: $.id }',
  'values: { qty_on_hand: $.payload.qty }',
);

async function query<T>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

describe('concurrent upserts of new rows on PostgreSQL', () => {
  let db: { url: string; drop(): Promise<void> };
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase('cutover_race');
    dir = makeProject({ cloud: `{ url: "${db.url}" }` }, MAPPING);
    writeEvents(dir, events());
    await query(
      db.url,
      `CREATE TABLE inventory_balance (sku text, location_code text, qty_on_hand numeric(18,3), last_event text,
       PRIMARY KEY (sku, location_code))`,
    );
  });
  afterAll(async () => {
    await db?.drop();
  });

  it(
    'two replays of one file at once (--concurrency 8 --group 1): exact state, exit 0, each event once, no item',
    { timeout: 900_000 },
    async () => {
      const args = ['replay', '--events', 'events.jsonl', '--concurrency', '8', '--group', '1', '--json'];
      const [a, b] = await Promise.all([
        runCli(args, { cwd: dir, timeoutMs: 300_000 }),
        runCli(args, { cwd: dir, timeoutMs: 300_000 }),
      ]);
      for (const r of [a, b]) {
        expect(r.stderr).not.toMatch(/fault|duplicate key/);
        expect(r.code, r.stderr).toBe(0);
      }
      type Counts = { read: number; applied: number; alreadyApplied: number; failed: number; parked: number };
      const ca = a.json<{ counts: Counts }>().counts;
      const cb = b.json<{ counts: Counts }>().counts;
      for (const c of [ca, cb]) {
        expect(c.read).toBe(EVENTS);
        expect(c.failed).toBe(0);
        expect(c.parked).toBe(0);
        expect(c.applied + c.alreadyApplied).toBe(EVENTS);
      }
      // Between them, every event applied exactly once.
      expect(ca.applied + cb.applied).toBe(EVENTS);

      const rows = await query<{ sku: string; qty_on_hand: string }>(
        db.url,
        'SELECT sku, qty_on_hand FROM inventory_balance ORDER BY sku',
      );
      expect(rows).toHaveLength(ROWS);
      expect(new Map(rows.map((r) => [r.sku, r.qty_on_hand]))).toEqual(
        new Map(Array.from({ length: ROWS }, (_, n) => [`NEW-${n}`, `${n}.125`])),
      );
      const ledger = await query<{ n: string; ids: string; fresh: string }>(
        db.url,
        `SELECT count(*) AS n, count(DISTINCT event_id) AS ids, count(*) FILTER (WHERE before_json = '[]') AS fresh FROM cutover_replay_ledger`,
      );
      // Each event once; exactly one event per row found it missing and inserted it.
      expect(ledger[0]).toEqual({ n: String(EVENTS), ids: String(EVENTS), fresh: String(ROWS) });

      const ex = await runCli(
        ['exceptions', 'list', '--json', '--status', 'open,assigned,resolved,ignored'],
        {
          cwd: dir,
        },
      );
      expect(ex.code, ex.stderr).toBe(0);
      expect(ex.json<{ items: unknown[] }>().items).toEqual([]);
    },
  );
});

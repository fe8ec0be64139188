import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestDatabase } from '../../helpers/pg.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { loadEventsMapping } from '../../../src/config/events-schema.js';
import { openControlStore } from '../../../src/store/control-store.js';
import { openAdapter } from '../../../src/adapters/registry.js';
import { runReplay, type ReplayResult } from '../../../src/app/run-replay.js';
import { silentLogger } from '../../../src/util/logger.js';
import { applyDbGroup, type DbPlan } from '../../../src/replay/apply-db.js';
import { ensureLedger } from '../../../src/replay/ledger.js';
import { PgWriter } from '../../../src/adapters/postgres/pg-writer.js';
import knexFactory from 'knex';
import { runCli } from '../../helpers/cli.js';

/**
 * The grouped PostgreSQL path (set-based statements that write their own ledger rows, one statement
 * per group) must be indistinguishable from applying every event on its own: same final tables, same
 * failures, and ledger rows with the very same before- and after-images, text for text.
 */

const MAPPING = `name: events
target: cloud
events:
  inv.adjusted:
    table: inv
    action: increment
    match: { sku: $.payload.sku, loc: $.payload.loc }
    values: { qty: $.payload.delta }
  inv.counted:
    table: inv
    action: upsert
    match: { sku: $.payload.sku, loc: $.payload.loc }
    values: { qty: $.payload.qty, counted_at: $.occurredAt, meta: $.payload.meta, active: $.payload.active }
  inv.recosted:
    table: inv
    action: update
    match: { sku: $.payload.sku, loc: $.payload.loc }
    values: { cost: $.payload.cost, big: $.payload.big }
  sku.flagged:
    table: inv
    action: update
    match: { sku: $.payload.sku }
    values: { active: $.payload.active }
  refund.created:
    table: refunds
    action: insert
    values: { id: $.payload.id, amount: $.payload.amount, note: $.payload.note }
  refund.voided:
    table: refunds
    action: delete
    match: { id: $.payload.id }
  tag.set:
    table: tags
    action: update
    match: { sku: $.payload.sku }
    values: { tag: $.payload.tag }
`;

const DDL = `
  DROP TABLE IF EXISTS inv, refunds, tags, cutover_replay_ledger;
  CREATE TABLE inv (sku text, loc text, qty numeric(18,3) NOT NULL DEFAULT 0, cost numeric(38,6),
    big bigint, counted_at timestamptz, meta jsonb, active boolean, PRIMARY KEY (sku, loc));
  CREATE TABLE refunds (id text PRIMARY KEY, amount numeric(12,2) NOT NULL, note text);
  CREATE TABLE tags (sku text, tag text);
  INSERT INTO inv (sku, loc, qty, cost, big)
    SELECT 'S' || g, 'L' || (g % 3), 100, 1.5, 9007199254740993 FROM generate_series(0, 59) g;
  INSERT INTO refunds VALUES ('R-old-1', 5.00, 'old'), ('R-old-2', 6.00, 'old');
  INSERT INTO tags VALUES ('S1', 'a'), ('S1', 'b'), (NULL, 'orphan');
`;

interface Ev {
  id: string;
  type: string;
  key: string;
  occurredAt: string;
  payload: Record<string, unknown>;
}

/** A night of mixed events over 60 rows; every key's chain has several events. */
function events(): Ev[] {
  let s = 7;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const out: Ev[] = [];
  const t0 = Date.UTC(2026, 10, 25, 22);
  const at = (n: number) => new Date(t0 + n * 1000).toISOString();
  let n = 0;
  for (let round = 0; round < 6; round++)
    for (let g = 0; g < 60; g++) {
      const sku = `S${g}`;
      const loc = `L${g % 3}`;
      const key = `${sku}@${loc}`;
      const r = rnd();
      const id = `e${n}`;
      if (r < 0.45)
        out.push({
          id,
          type: 'inv.adjusted',
          key,
          occurredAt: at(n),
          payload: { sku, loc, delta: `${Math.floor(rnd() * 2000) - 1000}.${Math.floor(rnd() * 1000)}` },
        });
      else if (r < 0.65)
        out.push({
          id,
          type: 'inv.counted',
          key,
          occurredAt: at(n),
          payload: {
            sku,
            loc,
            qty: String(Math.floor(rnd() * 500)),
            meta: { by: 'count', n },
            active: rnd() < 0.5,
          },
        });
      else if (r < 0.8)
        out.push({
          id,
          type: 'inv.recosted',
          key,
          occurredAt: at(n),
          payload: { sku, loc, cost: '12345678901234.123456', big: '9223372036854775807' },
        });
      else
        out.push({
          id,
          type: 'refund.created',
          key: `refund-${n}`,
          occurredAt: at(n),
          payload: { id: `R${n}`, amount: '10.10', note: 'O\'Brien "quoted" \\ back $c0$ tag' },
        });
      n++;
    }
  const add = (id: string, type: string, key: string, payload: Record<string, unknown>) =>
    out.push({ id, type, key, occurredAt: at(n++), payload });
  // New rows only a count creates, then adjusts; rows that do not exist (update and increment fail).
  add('new-1', 'inv.counted', 'NEW@L0', { sku: 'NEW', loc: 'L0', qty: '7.5', meta: null, active: true });
  add('new-2', 'inv.adjusted', 'NEW@L0', { sku: 'NEW', loc: 'L0', delta: '0.25' });
  add('ghost-1', 'inv.adjusted', 'GHOST@L0', { sku: 'GHOST', loc: 'L0', delta: '1' });
  add('ghost-2', 'inv.adjusted', 'GHOST@L0', { sku: 'GHOST', loc: 'L0', delta: '2' });
  add('ghost-3', 'inv.recosted', 'GHOST2@L1', { sku: 'GHOST2', loc: 'L1', cost: '1', big: '1' });
  add('nan-1', 'inv.adjusted', 'S5@L2', { sku: 'S5', loc: 'L2', delta: 'NaN' });
  // A different match on the same table as the row's own events, under another key (the one-group
  // tests below make sure the two meet in one statement).
  add('flag-1', 'sku.flagged', 'flag-S7', { sku: 'S7', active: false });
  add('flag-2', 'sku.flagged', 'flag-S8', { sku: 'S8', active: true });
  // Deletes, a NULL match, a multi-row update.
  add('void-1', 'refund.voided', 'void-1', { id: 'R-old-1' });
  add('void-2', 'refund.voided', 'void-2', { id: 'R-none' });
  add('tag-1', 'tag.set', 'tag-1', { sku: 'S1', tag: 'c' });
  add('tag-2', 'tag.set', 'tag-2', { sku: null, tag: 'z' });
  // Shuffle the file: order comes from occurredAt per key, not from the file.
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('cutover_pggroup');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-pggroup-'));
  fs.mkdirSync(path.join(dir, 'mappings'));
  fs.writeFileSync(
    path.join(dir, 'cutover.yaml'),
    `connections:\n  cloud: { url: "${db.url}" }\ncontrol: { url: "sqlite:./control.db" }\n`,
  );
  fs.writeFileSync(path.join(dir, 'mappings', 'events.yaml'), MAPPING);
  fs.writeFileSync(
    path.join(dir, 'events.jsonl'),
    events()
      .map((e) => JSON.stringify(e))
      .join('\n') + '\n',
  );
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function replay(group: number, concurrency: number): Promise<{ result: ReplayResult; state: unknown }> {
  await client.query(DDL);
  const config = await loadConfig(path.join(dir, 'cutover.yaml'));
  const mapping = await loadEventsMapping(path.join(dir, 'mappings', 'events.yaml'), config);
  const store = await openControlStore(`sqlite:${path.join(dir, `control-${group}.db`)}`);
  const adapters: { close(): Promise<void> }[] = [];
  try {
    const result = await runReplay({
      config,
      store,
      mapping,
      events: path.join(dir, 'events.jsonl'),
      concurrency,
      attempts: 1,
      group,
      dryRun: false,
      openAdapter: async (name) => {
        const a = await openAdapter(config.connections[name]!, { logger: silentLogger() });
        adapters.push(a);
        return a;
      },
      logger: silentLogger(),
    });
    const q = async (sql: string) => (await client.query(sql)).rows as unknown;
    const state = {
      inv: await q(
        `SELECT sku, loc, qty::text, cost::text, big::text, counted_at, meta, active FROM inv ORDER BY sku, loc`,
      ),
      refunds: await q(`SELECT id, amount::text, note FROM refunds ORDER BY id`),
      tags: await q(`SELECT sku, tag FROM tags ORDER BY sku NULLS FIRST, tag`),
      ledger: await q(
        `SELECT event_id, seq, event_type, event_key, occurred_at, action, table_name, match_json,
                before_json, after_json, http_status, irreversible, source_line
           FROM cutover_replay_ledger ORDER BY event_id`,
      ),
    };
    return { result, state };
  } finally {
    for (const a of adapters) await a.close();
    await store.close();
  }
}

describe('grouped replay into PostgreSQL', () => {
  it('matches applying every event on its own: tables, failures and ledger images', async () => {
    const alone = await replay(1, 1);
    const grouped = await replay(100, 4);

    // The night really exercised the set-based path and the failure paths.
    expect(alone.result.counts.applied).toBeGreaterThan(300);
    expect(alone.result.counts.failed).toBe(3); // ghost-1, ghost-3 (no row), nan-1 (not a number)
    expect(alone.result.failures.map((f) => f.eventId).sort()).toEqual(['ghost-1', 'ghost-3', 'nan-1']);
    expect(alone.result.counts.parked).toBe(1); // ghost-2 waits behind ghost-1

    expect(grouped.result.counts).toEqual(alone.result.counts);
    const failures = (r: ReplayResult) =>
      r.failures.map((f) => `${f.eventId}: ${f.error} (${f.parked} parked)`).sort();
    expect(failures(grouped.result)).toEqual(failures(alone.result));
    const { ledger: gl, ...gTables } = grouped.state as { ledger: { event_key: string }[] };
    const { ledger: al, ...aTables } = alone.state as { ledger: { event_key: string }[] };
    // Both flags and both rows' own events changed the table (no update lost to a shared snapshot)...
    expect(gTables).toEqual(aTables);
    // ...and every other event's ledger row is the same, images text for text. (Rows S7 and S8 are
    // also changed by the flag events, whose keys differ: which of the two went first is not ordered.)
    const shared = new Set(['flag-S7', 'flag-S8', 'S7@L1', 'S8@L2']);
    expect(gl.filter((l) => !shared.has(l.event_key))).toEqual(al.filter((l) => !shared.has(l.event_key)));
    expect(gl.length).toBe(al.length);
  });

  it('writes images that keep every value exact: numeric, bigint, money and json as their text', async () => {
    const { state } = await replay(100, 4);
    const ledger = (state as { ledger: { event_id: string; before_json: string; after_json: string }[] })
      .ledger;
    const recost = ledger.find(
      (l) => l.event_id.startsWith('e') && JSON.parse(l.after_json)[0]?.cost === '12345678901234.123456',
    );
    expect(recost).toBeDefined();
    const after = JSON.parse(recost!.after_json)[0];
    expect(after.big).toBe('9223372036854775807');
    expect(JSON.parse(recost!.before_json)[0].big).toBe('9007199254740993');
    const created = ledger.find((l) => l.event_id === 'new-1')!;
    expect(JSON.parse(created.before_json)).toEqual([]);
    expect(JSON.parse(created.after_json)).toEqual([
      expect.objectContaining({ sku: 'NEW', loc: 'L0', qty: '7.500', meta: null, active: true }),
    ]);
    const counted = ledger.find((l) => JSON.parse(l.after_json)[0]?.meta?.startsWith?.('{"n"'));
    expect(JSON.parse(counted!.after_json)[0].meta).toMatch(/^\{"n": \d+, "by": "count"\}$/);
    const tagged = ledger.find((l) => l.event_id === 'tag-1')!;
    expect(JSON.parse(tagged.before_json)).toHaveLength(2);
    expect(JSON.parse(tagged.after_json).map((r: { tag: string }) => r.tag)).toEqual(['c', 'c']);
  });
});

describe('one group on PostgreSQL', () => {
  /** Applies `evs` as ONE group and returns each event's outcome. */
  async function group(evs: Ev[]): Promise<Record<string, unknown>> {
    const config = await loadConfig(path.join(dir, 'cutover.yaml'));
    const mapping = await loadEventsMapping(path.join(dir, 'mappings', 'events.yaml'), config);
    const knex = knexFactory({ client: 'pg', connection: db.url, pool: { min: 0, max: 1 } });
    try {
      const db = new PgWriter(knex);
      await ensureLedger(db);
      const plans: DbPlan[] = evs.map((e, n) => ({
        event: { ...e, line: n + 1, index: n },
        rule: mapping.events[e.type]!,
        seq: n + 1,
        runId: 'p-test',
      }));
      return Object.fromEntries(await applyDbGroup(db, plans));
    } finally {
      await knex.destroy();
    }
  }
  const ev = (id: string, type: string, payload: Record<string, unknown>): Ev => ({
    id,
    type,
    key: id,
    occurredAt: '2026-11-25T22:00:00Z',
    payload,
  });

  it('applies two shapes that reach the same row with different matches, losing neither', async () => {
    await client.query(DDL);
    const out = await group([
      ev('a', 'inv.adjusted', { sku: 'S7', loc: 'L1', delta: '5' }),
      ev('b', 'inv.adjusted', { sku: 'S8', loc: 'L2', delta: '5' }),
      ev('c', 'sku.flagged', { sku: 'S7', active: false }),
      ev('d', 'sku.flagged', { sku: 'S8', active: true }),
    ]);
    expect(out).toEqual({ a: 'applied', b: 'applied', c: 'applied', d: 'applied' });
    const rows = (
      await client.query(`SELECT sku, qty::text, active FROM inv WHERE sku IN ('S7', 'S8') ORDER BY sku`)
    ).rows;
    expect(rows).toEqual([
      { sku: 'S7', qty: '105.000', active: false },
      { sku: 'S8', qty: '105.000', active: true },
    ]);
  });

  it('fails only the update that finds no row: no change, no ledger row; the rest commit', async () => {
    await client.query(DDL);
    const out = await group([
      ev('a', 'inv.adjusted', { sku: 'S1', loc: 'L1', delta: '1.5' }),
      ev('b', 'inv.adjusted', { sku: 'GHOST', loc: 'L1', delta: '1' }),
      ev('c', 'inv.adjusted', { sku: 'S2', loc: 'L2', delta: '-0.25' }),
      ev('d', 'inv.recosted', { sku: 'NOPE', loc: 'L0', cost: '1', big: '2' }),
      ev('e', 'inv.recosted', { sku: 'S3', loc: 'L0', cost: '2', big: '3' }),
    ]);
    expect(out).toEqual({
      a: 'applied',
      b: { failed: 'no row in inv matches {"sku":"GHOST","loc":"L1"} (action increment needs one)' },
      c: 'applied',
      d: { failed: 'no row in inv matches {"sku":"NOPE","loc":"L0"} (action update needs one)' },
      e: 'applied',
    });
    const ledger = (await client.query(`SELECT event_id FROM cutover_replay_ledger ORDER BY event_id`)).rows;
    expect(ledger.map((r: { event_id: string }) => r.event_id)).toEqual(['a', 'c', 'e']);
    const qty = (await client.query(`SELECT sku, qty::text FROM inv WHERE sku IN ('S1', 'S2') ORDER BY sku`))
      .rows;
    expect(qty).toEqual([
      { sku: 'S1', qty: '101.500' },
      { sku: 'S2', qty: '99.750' },
    ]);
  });

  it('refuses a group holding an event the ledger has, changing nothing (the caller retries one by one)', async () => {
    await client.query(DDL);
    await group([ev('a', 'inv.adjusted', { sku: 'S1', loc: 'L1', delta: '1' })]);
    await expect(
      group([
        ev('a', 'inv.adjusted', { sku: 'S1', loc: 'L1', delta: '1' }),
        ev('b', 'inv.adjusted', { sku: 'S2', loc: 'L2', delta: '1' }),
      ]),
    ).rejects.toThrow(/duplicate key/);
    const qty = (await client.query(`SELECT sku, qty::text FROM inv WHERE sku IN ('S1', 'S2') ORDER BY sku`))
      .rows;
    expect(qty).toEqual([
      { sku: 'S1', qty: '101.000' },
      { sku: 'S2', qty: '100.000' },
    ]);
    // Alone, the same event is reported as already applied.
    expect(await group([ev('a', 'inv.adjusted', { sku: 'S1', loc: 'L1', delta: '1' })])).toEqual({
      a: 'alreadyApplied',
    });
  });
});

describe('rollback of a grouped replay on PostgreSQL', () => {
  it('plans no conflict on dates, timestamps, json and exact numbers, and restores every row', async () => {
    await client.query(DDL);
    await client.query(`ALTER TABLE inv ADD COLUMN counted_on date, ADD COLUMN seen_at timestamp`);
    await client.query(`UPDATE inv SET counted_on = '2026-11-20', seen_at = '2026-11-20 10:11:12.345678',
                               counted_at = '2026-11-20T10:11:12.345678Z', meta = '{"a": [1, 2.50]}'`);
    const snapshot = async () =>
      (
        await client.query(
          `SELECT sku, loc, qty::text, cost::text, big::text, counted_at::text, counted_on::text, seen_at::text,
                  meta::text, active FROM inv ORDER BY sku, loc`,
        )
      ).rows as unknown;
    const before = await snapshot();
    const refundsBefore = (await client.query(`SELECT * FROM refunds ORDER BY id`)).rows as unknown;
    // Without the events that reach a row under another key, or several rows of a table without a key:
    // undoing those in reverse order is a conflict by design (rollback's own tests cover them).
    fs.writeFileSync(
      path.join(dir, 'events-rollback.jsonl'),
      events()
        .filter((e) => e.type !== 'sku.flagged' && e.type !== 'tag.set')
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    const r = await runCli(['replay', '--events', 'events-rollback.jsonl', '--json'], { cwd: dir });
    expect(r.code).toBe(1); // the three failures of the night
    const runId = r.json<{ runId: string }>().runId;
    expect(await snapshot()).not.toEqual(before);

    const p = await runCli(['rollback', 'plan', '--run', runId, '--json'], { cwd: dir });
    expect(p.code, p.stderr).toBe(0);
    const plan = p.json<{ planId: string; counts: { ok: number; conflict: number; manual: number } }>();
    expect(plan.counts.conflict).toBe(0);
    expect(plan.counts.ok).toBeGreaterThan(300);
    const a = await runCli(['rollback', 'apply', plan.planId, '--yes', '--json'], { cwd: dir });
    expect(a.code, a.stderr).toBe(0);
    expect(await snapshot()).toEqual(before);
    expect((await client.query(`SELECT * FROM refunds ORDER BY id`)).rows).toEqual(refundsBefore);
  });
});

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { createTestDatabase } from '../../helpers/pg.js';
import { expectBadInput } from '../config/project.js';
import { at, INVENTORY_MAPPING, makeProject, writeEvents, type Ev } from './fixture.js';

// Issue 12 item 15: replay messages that were wrong, through the built binary.

vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

function sqliteProject(): string {
  const dir = makeProject({ cloud: '{ url: "sqlite:./target.db" }' }, INVENTORY_MAPPING);
  const db = new Database(path.join(dir, 'target.db'));
  db.exec(`CREATE TABLE inventory_balance (sku TEXT NOT NULL, location_code TEXT NOT NULL, qty_on_hand TEXT, last_event TEXT,
             PRIMARY KEY (sku, location_code));
           CREATE TABLE refunds (refund_id TEXT PRIMARY KEY, amount TEXT NOT NULL, refunded_at TEXT);`);
  db.close();
  return dir;
}

const counted = (id: string, sku: string, n: number, qty = '5.000'): Ev => ({
  id,
  type: 'inventory.counted',
  key: `${sku}@S1`,
  occurredAt: at(n),
  payload: { sku, location: 'S1', qty },
});

interface Failure {
  eventId: string | null;
  line: number;
  error: string;
}

/** Runs the replay (--json) and returns its exit code, counts and failures (from the JSON report). */
async function replay(dir: string, file: string, extra: string[] = []) {
  const r = await runCli(['replay', '--events', file, '--json', ...extra], { cwd: dir });
  expect(r.stderr).not.toMatch(/fault|^\s+at /m);
  const report = JSON.parse(
    fs.readFileSync(r.json<{ reports: { json: string } }>().reports.json, 'utf8'),
  ) as {
    counts: Record<string, number>;
    failures: Failure[];
  };
  return { code: r.code, runId: r.json<{ runId: string }>().runId, ...report };
}

describe('replay --resume against a changed events file', () => {
  let dir: string;
  afterAll(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('says the content changed (same size, different checksum), not two identical descriptions', async () => {
    dir = sqliteProject();
    const file = writeEvents(dir, [counted('e1', 'A-1', 1, '5.000'), counted('e2', 'A-2', 2, '6.000')]);
    const first = await replay(dir, 'events.jsonl');
    expect(first.code).toBe(0);
    const size = fs.statSync(file).size;

    // The same size, another value.
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('6.000', '7.000'));
    expect(fs.statSync(file).size).toBe(size);
    let r = await runCli(['replay', '--events', 'events.jsonl', '--resume', first.runId], { cwd: dir });
    const p = expectBadInput(
      r,
      `The events file ${file} changed since run ${first.runId} replayed it: same size (${size} bytes), different content (the SHA-256 checksum`,
      'start a new run without --resume',
    );
    expect(p).not.toMatch(/replayed .* \(\d+ bytes\), not /);

    // Another size.
    fs.appendFileSync(file, JSON.stringify(counted('e3', 'A-3', 3)) + '\n');
    r = await runCli(['replay', '--events', 'events.jsonl', '--resume', first.runId], { cwd: dir });
    expectBadInput(r, `it had ${size} bytes, it now has ${fs.statSync(file).size}.`);

    // Another file.
    fs.copyFileSync(file, path.join(dir, 'copy.jsonl'));
    r = await runCli(['replay', '--events', 'copy.jsonl', '--resume', first.runId], { cwd: dir });
    expectBadInput(r, `Run ${first.runId} replayed the file ${file}, not ${path.join(dir, 'copy.jsonl')}.`);
  });
});

describe('event fields of the wrong kind', () => {
  let dir: string;
  afterAll(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('an object key says the key must be a string or a number and what it got; so do id, type, occurredAt, payload', async () => {
    dir = sqliteProject();
    const base = (o: Record<string, unknown>) => JSON.stringify({ ...counted('x', 'Z', 1), ...o });
    const { payload: _p, ...noPayload } = counted('no-payload', 'P-1', 9);
    writeEvents(dir, [
      base({ id: 'obj-key', key: { a: 1 } }),
      base({ id: 'arr-key', key: ['A', 'B'] }),
      base({ id: 'null-key', key: null }),
      base({ id: { n: 1 }, key: 'K-1' }),
      base({ id: 'num-type', key: 'K-2', type: 5 }),
      base({ id: 'num-when', key: 'K-3', occurredAt: 1_764_108_000 }),
      base({ id: 'str-payload', key: 'K-4', payload: 'nope' }),
      JSON.stringify(noPayload),
      base({ id: 'nul-key', key: 'K\u00005' }),
      counted('good', 'A-1', 10),
    ]);
    const out = await replay(dir, 'events.jsonl');
    expect(out.code).toBe(1);
    expect(out.counts).toMatchObject({ applied: 1, failed: 9 });
    const error = (line: number) => out.failures.find((f) => f.line === line)!.error;
    expect(error(1)).toBe('"key" must be a string or a number, not an object ({"a":1})');
    expect(error(2)).toBe('"key" must be a string or a number, not an array (["A","B"])');
    expect(error(3)).toBe('"key" must be a string or a number, not null');
    expect(error(4)).toBe('"id" must be a string or a number, not an object ({"n":1})');
    expect(error(5)).toBe('"type" must be a string, not the number 5');
    expect(error(6)).toBe(
      '"occurredAt" must be an ISO 8601 timestamp text with a zone, not the number 1764108000',
    );
    expect(error(7)).toBe('"payload" is not an object: it is the string "nope"');
    expect(error(8)).toBe('"payload" is missing');
    expect(error(9)).toBe('"key" "K\\u00005" holds a NUL character (\\u0000)');
    expect(out.failures.filter((f) => /is missing/.test(f.error)).map((f) => f.line)).toEqual([8]);
    // The ids that are usable are named; the object id is not made up.
    expect(out.failures.find((f) => f.line === 1)!.eventId).toBe('obj-key');
    expect(out.failures.find((f) => f.line === 4)!.eventId).toBeNull();
  });
});

describe('a NUL character in an event value replayed into PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let dir: string;
  const query = async <T>(sql: string): Promise<T[]> => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      return (await c.query(sql)).rows as T[];
    } finally {
      await c.end();
    }
  };
  beforeAll(async () => {
    db = await createTestDatabase();
    await query(`CREATE TABLE inventory_balance (sku text NOT NULL, location_code text NOT NULL, qty_on_hand numeric(18,3),
                   last_event text, PRIMARY KEY (sku, location_code));
                 CREATE TABLE refunds (refund_id text PRIMARY KEY, amount numeric(12,2) NOT NULL, refunded_at timestamptz)`);
    dir = makeProject({ cloud: `{ url: "${db.url}" }` }, INVENTORY_MAPPING);
  });
  afterAll(async () => {
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fails that event (replay_failed) naming the event, the column and the field; the others apply', async () => {
    const noted = (id: string, key: string, sku: string, n: number, note: string): Ev => ({
      ...counted(id, key, n),
      payload: { sku, location: 'S1', qty: '5.000', note },
    });
    writeEvents(dir, [
      noted('ok-1', 'A-1', 'A-1', 1, 'fine'),
      // A NUL in a value written to a column …
      noted('nul-value', 'A-2', 'A-2', 2, 'bad\u0000note'),
      // … and in a value the row is matched on.
      noted('nul-match', 'A-3', 'A\u00003', 3, 'fine'),
      noted('ok-2', 'A-4', 'A-4', 4, 'fine'),
    ]);
    fs.writeFileSync(
      path.join(dir, 'mappings', 'events.yaml'),
      INVENTORY_MAPPING.replace(
        'values: { qty_on_hand: $.payload.qty, last_event: $.id }',
        'values: { qty_on_hand: $.payload.qty, last_event: $.payload.note }',
      ),
    );

    const dry = await runCli(['replay', '--events', 'events.jsonl', '--dry-run', '--json'], { cwd: dir });
    expect(dry.code, dry.stderr).toBe(1);
    const wouldFail = dry.json<{ dryRun: { wouldFail: { eventId: string; problem: string }[] } }>().dryRun
      .wouldFail;

    const out = await replay(dir, 'events.jsonl');
    expect(out.code).toBe(1);
    expect(out.counts).toMatchObject({ applied: 2, failed: 2, parked: 0 });
    const error = (id: string) => out.failures.find((f) => f.eventId === id)!.error;
    expect(error('nul-value')).toBe(
      'the value "bad\\u0000note" for inventory_balance.last_event, from $.payload.note, holds a NUL character (\\u0000, at position 4), which PostgreSQL text cannot store',
    );
    expect(error('nul-match')).toBe(
      'the value "A\\u00003" for inventory_balance.sku, from $.payload.sku, holds a NUL character (\\u0000, at position 2), which PostgreSQL text cannot store',
    );
    for (const f of out.failures) expect(f.error).not.toMatch(/08P01|invalid message format/);
    expect(wouldFail.map((w) => [w.eventId, w.problem]).sort()).toEqual(
      out.failures.map((f) => [f.eventId, f.error]).sort(),
    );

    // Each is a replay_failed item, and nothing of them reached the table.
    const list = await runCli(['exceptions', 'list', '--kind', 'replay_failed', '--json'], { cwd: dir });
    expect(list.code, list.stderr).toBe(0);
    const items = list.json<{ items: { id: string; key: string }[] }>().items;
    expect(items.map((i) => i.key).sort()).toEqual(['A-2@S1', 'A-3@S1']);
    const show = await runCli(['exceptions', 'show', items[0]!.id], { cwd: dir });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/nul-(value|match).*holds a NUL character/);
    // No raw NUL reaches the terminal: the value is shown escaped.
    expect(show.stdout).not.toContain('\u0000');
    const rows = await query<{ sku: string }>('SELECT sku FROM inventory_balance ORDER BY sku');
    expect(rows.map((r) => r.sku)).toEqual(['A-1', 'A-4']);
  });
});

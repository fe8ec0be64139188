import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import ExcelJS from 'exceljs';
import { describe, it, expect, beforeAll } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { makeProject, writeEvents, at, INVENTORY_MAPPING, type Ev } from './fixture.js';

function setupTarget(dir: string): string {
  const file = path.join(dir, 'target.db');
  const db = new Database(file);
  db.exec(`CREATE TABLE inventory_balance (sku TEXT NOT NULL, location_code TEXT NOT NULL, qty_on_hand TEXT, last_event TEXT,
             PRIMARY KEY (sku, location_code));
           CREATE TABLE refunds (refund_id TEXT PRIMARY KEY, amount TEXT NOT NULL, refunded_at TEXT);
           INSERT INTO inventory_balance VALUES ('A-100', 'S1', '10.000', NULL), ('B-200', 'S1', '3.000', NULL);`);
  db.close();
  return file;
}

describe('cutover replay into SQLite', () => {
  let dir: string;
  let target: string;
  let events: Ev[];
  beforeAll(() => {
    dir = makeProject(
      { cloud: '{ url: "sqlite:./target.db" }', legacy: '{ url: "sqlite:./target.db", readOnly: true }' },
      INVENTORY_MAPPING,
    );
    target = setupTarget(dir);
    events = [
      {
        id: 'e1',
        type: 'inventory.adjusted',
        key: 'A-100@S1',
        occurredAt: at(2),
        payload: { sku: 'A-100', location: 'S1', delta: '-2.125' },
      },
      // out of file order: occurredAt decides
      {
        id: 'e0',
        type: 'inventory.counted',
        key: 'A-100@S1',
        occurredAt: at(1),
        payload: { sku: 'A-100', location: 'S1', qty: '20.000' },
      },
      {
        id: 'e2',
        type: 'refund.issued',
        key: 'RF-1',
        occurredAt: at(3),
        payload: { refundId: 'RF-1', amount: '19.99' },
      },
      {
        id: 'e3',
        type: 'inventory.adjusted',
        key: 'B-200@S1',
        occurredAt: at(4),
        payload: { sku: 'B-200', location: 'S1', delta: '0.1' },
      },
      {
        id: 'e4',
        type: 'inventory.adjusted',
        key: 'B-200@S1',
        occurredAt: at(5),
        payload: { sku: 'B-200', location: 'S1', delta: '0.2' },
      },
      // poison: increments a row that does not exist; its later event parks
      {
        id: 'p1',
        type: 'inventory.adjusted',
        key: 'Z-9@S1',
        occurredAt: at(6),
        payload: { sku: 'Z-9', location: 'S1', delta: '1' },
      },
      {
        id: 'p2',
        type: 'inventory.counted',
        key: 'Z-9@S1',
        occurredAt: at(7),
        payload: { sku: 'Z-9', location: 'S1', qty: '5' },
      },
      {
        id: 'e5',
        type: 'item.deleted',
        key: 'C@S1',
        occurredAt: at(8),
        payload: { sku: 'C', location: 'S1' },
      },
    ];
  }, 180_000);

  it('applies in key order, exactly, with ledger before-images; fails and parks a poison key; reports the malformed line', async () => {
    writeEvents(dir, [...events.slice(0, 4), '{"id": "broken", oops', ...events.slice(4)]);
    const res = await runCli(['replay', '--events', 'events.jsonl', '--json', '--concurrency', '4'], {
      cwd: dir,
    });
    expect(res.stderr).not.toMatch(/fault in cutover/);
    expect(res.code).toBe(1);
    const out = res.json<{
      runId: string;
      status: string;
      counts: Record<string, number>;
      exceptions: { opened: number };
    }>();
    expect(out.status).toBe('failures');
    expect(out.counts).toEqual({ read: 9, applied: 6, alreadyApplied: 0, failed: 2, parked: 1 });
    expect(out.exceptions.opened).toBe(3);
    const db = new Database(target, { readonly: true });
    const rows = db.prepare('SELECT sku, qty_on_hand, last_event FROM inventory_balance ORDER BY sku').all();
    expect(rows).toEqual([
      { sku: 'A-100', qty_on_hand: '17.875', last_event: 'e0' },
      { sku: 'B-200', qty_on_hand: '3.300', last_event: null },
    ]);
    expect(db.prepare('SELECT * FROM refunds').all()).toEqual([
      { refund_id: 'RF-1', amount: '19.99', refunded_at: at(3) },
    ]);
    const ledger = db.prepare('SELECT * FROM cutover_replay_ledger ORDER BY seq').all() as Record<
      string,
      unknown
    >[];
    expect(ledger.map((l) => l.event_id)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e5']);
    const e1 = ledger.find((l) => l.event_id === 'e1')!;
    expect(JSON.parse(e1.before_json as string)).toEqual([
      { sku: 'A-100', location_code: 'S1', qty_on_hand: '20.000', last_event: 'e0' },
    ]);
    expect(JSON.parse(e1.after_json as string)[0].qty_on_hand).toBe('17.875');
    expect(JSON.parse(e1.match_json as string)).toEqual({ sku: 'A-100', location_code: 'S1' });
    expect(ledger.find((l) => l.event_id === 'e2')).toMatchObject({
      action: 'insert',
      before_json: '[]',
      irreversible: 1,
    });
    db.close();

    const list = await runCli(['exceptions', 'list', '--json'], { cwd: dir });
    expect(list.code).toBe(0);
    const items = list.json<{ items: { kind: string; key: unknown }[] }>().items;
    expect(items.map((i) => i.kind).sort()).toEqual(['replay_failed', 'replay_failed', 'replay_parked']);
    const report = fs.readFileSync(path.join(dir, 'reports', out.runId, 'replay.md'), 'utf8');
    expect(report).toMatch(/\| line:5 \| 5 \| not valid JSON/);
    expect(report).toMatch(/inventory\.adjusted \| 4 \| 3 \|/);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'reports', out.runId, 'replay.json'), 'utf8'));
    expect(json.failures.find((f: { line: number }) => f.line === 5).error).toMatch(/not valid JSON/);
    expect(json.byType['inventory.adjusted'].sums.qty_on_hand).toBe('-1.825');
    // The workbook for the cutover lead: counts per type, amounts applied as numbers, failures listed.
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(path.join(dir, 'reports', out.runId, 'replay.xlsx'));
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      'Summary',
      'By event type',
      'Amounts applied',
      'Failed and parked',
    ]);
    const amounts = wb.getWorksheet('Amounts applied')!;
    const qty = amounts
      .getSheetValues()
      .find((r) => Array.isArray(r) && r.includes('qty_on_hand')) as unknown[];
    expect(qty[3]).toBe(-1.825);
    expect(wb.getWorksheet('Failed and parked')!.rowCount).toBeGreaterThanOrEqual(3);
  }, 180_000);

  it('exceptions retry re-applies the failed event and its parked chain once the cause is fixed', async () => {
    const list = await runCli(['exceptions', 'list', '--json', '--kind', 'replay_parked'], { cwd: dir });
    expect(list.code).toBe(0);
    const parked = list.json<{ items: { id: string; key: unknown }[] }>().items;
    expect(parked).toHaveLength(1);
    const early = await runCli(['exceptions', 'retry', parked[0]!.id, '--json'], { cwd: dir });
    expect(early.code).toBe(1);
    expect(early.json<{ status: string; parked: number }>()).toMatchObject({ status: 'failed', parked: 1 });
    const db = new Database(target);
    db.exec(`INSERT INTO inventory_balance VALUES ('Z-9', 'S1', '0', NULL)`);
    db.close();
    const res = await runCli(['exceptions', 'retry', parked[0]!.id, '--json'], { cwd: dir });
    expect(res.code).toBe(0);
    const out = res.json<{ status: string; applied: number; resolved: string[]; runId: string }>();
    expect(out).toMatchObject({ status: 'resolved', applied: 2 });
    expect(out.resolved).toHaveLength(2);
    const check = new Database(target, { readonly: true });
    expect(
      check.prepare(`SELECT qty_on_hand, last_event FROM inventory_balance WHERE sku = 'Z-9'`).get(),
    ).toEqual({ qty_on_hand: '5', last_event: 'p2' });
    const led = check
      .prepare(
        `SELECT event_id, run_id FROM cutover_replay_ledger WHERE event_id IN ('p1', 'p2') ORDER BY seq`,
      )
      .all() as { event_id: string; run_id: string }[];
    expect(led.map((l) => l.event_id)).toEqual(['p1', 'p2']);
    expect(led[0]!.run_id).toBe(out.runId);
    check.close();
    const open = await runCli(
      ['exceptions', 'list', '--json', '--kind', 'replay_parked', '--status', 'open'],
      { cwd: dir },
    );
    expect(open.json<{ total: number }>().total).toBe(0);
  }, 180_000);

  it('applies nothing on a second run and says so', async () => {
    writeEvents(
      dir,
      events.filter((e) => !e.id.startsWith('p')),
      'again.jsonl',
    );
    const res = await runCli(['replay', '--events', 'again.jsonl', '--json'], { cwd: dir });
    expect(res.code).toBe(0);
    expect(res.json<{ counts: Record<string, number> }>().counts).toEqual({
      read: 6,
      applied: 0,
      alreadyApplied: 6,
      failed: 0,
      parked: 0,
    });
    const human = await runCli(['replay', '--events', 'again.jsonl'], { cwd: dir });
    expect(human.stdout).toMatch(/already applied: nothing was changed/);
  }, 180_000);

  it('fails an event whose id the ledger already holds for another event, and skips the same event', async () => {
    const e1 = events.find((e) => e.id === 'e1')!;
    writeEvents(
      dir,
      [
        { ...e1 },
        { ...e1, id: 'e2', key: 'A-100@S1', payload: { sku: 'A-100', location: 'S1', delta: '5000.000' } },
      ],
      'reused.jsonl',
    );
    const before = new Database(target, { readonly: true });
    const rowsBefore = before.prepare('SELECT * FROM inventory_balance ORDER BY sku').all();
    before.close();
    const res = await runCli(['replay', '--events', 'reused.jsonl', '--json'], { cwd: dir });
    expect(res.stderr).not.toMatch(/fault in cutover/);
    expect(res.code).toBe(1);
    const out = res.json<{ runId: string; counts: Record<string, number> }>();
    expect(out.counts).toEqual({ read: 2, applied: 0, alreadyApplied: 1, failed: 1, parked: 0 });
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'reports', out.runId, 'replay.json'), 'utf8'));
    expect(json.failures[0].error).toMatch(
      /event id "e2" is already in the target's ledger .*type "inventory\.adjusted", not "refund\.issued", key "A-100@S1", not "RF-1", occurredAt/,
    );
    const after = new Database(target, { readonly: true });
    expect(after.prepare('SELECT * FROM inventory_balance ORDER BY sku').all()).toEqual(rowsBefore);
    after.close();
  }, 180_000);

  it('dry run writes nothing', async () => {
    const before = fs.readFileSync(target);
    writeEvents(
      dir,
      [
        {
          id: 'd1',
          type: 'inventory.adjusted',
          key: 'A-100@S1',
          occurredAt: at(20),
          payload: { sku: 'A-100', location: 'S1', delta: '5' },
        },
        {
          id: 'd2',
          type: 'inventory.noted',
          key: 'Q@S1',
          occurredAt: at(21),
          payload: { sku: 'Q', location: 'S1' },
        },
      ],
      'dry.jsonl',
    );
    const res = await runCli(['replay', '--events', 'dry.jsonl', '--dry-run', '--json'], { cwd: dir });
    expect(res.code).toBe(1);
    const out = res.json<{ counts: Record<string, number>; dryRun: { wouldFail: { problem: string }[] } }>();
    expect(out.counts).toMatchObject({ read: 2, applied: 1, failed: 1 });
    expect(out.dryRun.wouldFail[0]!.problem).toMatch(/no row in inventory_balance/);
    expect(fs.readFileSync(target).equals(before)).toBe(true);
  }, 180_000);

  it('refuses a readOnly target and a different source on --resume (exit 2)', async () => {
    const ro = await runCli(['replay', '--events', 'again.jsonl', '--target', 'legacy'], { cwd: dir });
    expect(ro.code).toBe(2);
    expect(ro.stderr).toMatch(/readOnly/);
    const first = await runCli(['replay', '--events', 'again.jsonl', '--json'], { cwd: dir });
    const runId = first.json<{ runId: string }>().runId;
    const other = await runCli(['replay', '--events', 'dry.jsonl', '--resume', runId], { cwd: dir });
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/not .*dry\.jsonl/);
  }, 180_000);
});

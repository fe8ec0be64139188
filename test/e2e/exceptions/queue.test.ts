import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { openControlStore, type ControlStore } from '../../../src/store/control-store.js';
import { syncReconcileExceptions } from '../../../src/exceptions/sync.js';
import { inventory, mismatch, missing, storeRun } from '../../unit/exceptions/fixtures.js';

/** SPEC: `exceptions list --json`. */
const listSchema = z
  .object({
    total: z.number().int().nonnegative(),
    items: z.array(
      z
        .object({
          id: z.string().regex(/^X-\d{6,}$/),
          kind: z.enum([
            'mismatch',
            'missing_in_cloud',
            'missing_in_legacy',
            'duplicate_key',
            'unbalanced_journal',
            'replay_failed',
            'replay_parked',
            'rollback_conflict',
          ]),
          mapping: z.string(),
          key: z.union([z.record(z.string(), z.string().nullable()), z.string()]),
          status: z.enum(['open', 'assigned', 'resolved', 'ignored']),
          severity: z.enum(['low', 'medium', 'high']),
          firstSeen: z.string().datetime(),
          lastSeen: z.string().datetime(),
          occurrences: z.number().int().positive(),
          assignee: z.string().nullable(),
        })
        .strict(),
    ),
  })
  .strict();
type ListJson = z.infer<typeof listSchema>;

// Nights two days ago, yesterday and an hour ago: young enough that severity comes from size alone.
const night = (n: number) => new Date(Date.now() - (2 - n) * 86_400_000 - 3_600_000);
const runIds: string[] = [];

// Each binary start costs seconds on a loaded machine: generous timeouts.
describe('cutover exceptions (end to end, SQLite control store)', { timeout: 300_000 }, () => {
  let dir: string;
  let store: ControlStore;
  const cli = (...args: string[]) =>
    runCli(args, { cwd: dir, env: { CUTOVER_USER: 'ops-bot' }, timeoutMs: 240_000 });
  const list = async (...args: string[]) => {
    const r = await cli('exceptions', 'list', '--json', ...args);
    expect(r.code, r.stderr).toBe(0);
    return listSchema.parse(r.json());
  };
  const idOf = (l: ListJson, kind: string, sku: string) =>
    l.items.find((i) => i.kind === kind && (i.key as Record<string, string>).sku === sku)!.id;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-exc-e2e-'));
    fs.writeFileSync(
      path.join(dir, 'cutover.yaml'),
      'connections: {}\ncontrol: { url: "sqlite:control.db" }\n',
    );
    store = await openControlStore(`sqlite:${path.join(dir, 'control.db')}`);
  });
  afterAll(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('three nightly runs over changing data: opened / updated / resolved / reopened', async () => {
    const nights = [
      [
        mismatch('A-1', '10.000', '4.000', '-6.000'),
        missing('missing_in_cloud', 'B-1'),
        missing('missing_in_legacy', 'C-1'),
      ],
      [
        mismatch('A-1', '10.000', '4.000', '-6.000'),
        missing('missing_in_cloud', 'B-1', '2000.000'),
        mismatch('=SUM(A1)', '1.000', '0.000', '-1.000'),
      ],
      [
        missing('missing_in_legacy', 'C-1'),
        mismatch('=SUM(A1)', '1.000', '0.000', '-1.000'),
        missing('missing_in_cloud', 'B-1', '2000.000'),
      ],
    ];
    const expected = [
      { opened: 3, updated: 0, resolved: 0, reopened: 0, ignored: 0 },
      { opened: 1, updated: 2, resolved: 1, reopened: 0, ignored: 0 },
      { opened: 0, updated: 2, resolved: 1, reopened: 1, ignored: 0 },
    ];
    for (const [n, diffs] of nights.entries()) {
      const runId = await storeRun(store, diffs, { now: night(n) });
      runIds.push(runId);
      expect(await syncReconcileExceptions(store, { mapping: inventory, runId, now: night(n) })).toEqual(
        expected[n],
      );
    }
    const all = await list();
    expect(all.total).toBe(4);
    const byId = Object.fromEntries(
      all.items.map((i) => [`${i.kind}:${(i.key as Record<string, string>).sku}`, i]),
    );
    expect(byId['mismatch:A-1']).toMatchObject({ status: 'resolved', occurrences: 2 });
    expect(byId['missing_in_cloud:B-1']).toMatchObject({ status: 'open', occurrences: 3, severity: 'high' });
    expect(byId['missing_in_legacy:C-1']).toMatchObject({ status: 'open', occurrences: 2 });
    expect(byId['mismatch:=SUM(A1)']).toMatchObject({ status: 'open', occurrences: 2, severity: 'low' });
    expect((await list('--status', 'open')).total).toBe(3);
    expect((await list('--key', 'b-1')).items.map((i) => i.kind)).toEqual(['missing_in_cloud']);
    expect((await list('--severity', 'high')).items.map((i) => i.kind)).toEqual(['missing_in_cloud']);
    expect((await list('--older-than', '36h')).total).toBe(3);
    const limited = await list('--limit', '1', '--sort', 'occurrences');
    expect(limited).toMatchObject({ total: 4, items: [{ kind: 'missing_in_cloud' }] });

    const human = await cli('exceptions', 'list', '--status', 'open');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/ID\s+SEVERITY\s+STATUS\s+KIND/);
    expect(human.stdout).toContain('3 items (open 3).');
  });

  it('show prints the record, both values, their diff and the history', async () => {
    const l = await list();
    const id = idOf(l, 'mismatch', 'A-1');
    const r = await cli('exceptions', 'show', id);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${id}  mismatch  inventory  A-1 / DC-EAST`);
    expect(r.stdout).toMatch(/on_hand\s+10\.000\s+4\.000\s+-6\.000/);
    expect(r.stdout).toContain('-   "on_hand": "10.000"');
    expect(r.stdout).toContain('+   "on_hand": "4.000"');
    expect(r.stdout).toMatch(new RegExp(`opened\\s+open\\s+first seen in run ${runIds[0]}`));
    expect(r.stdout).toMatch(new RegExp(`resolved\\s+open → resolved\\s+not seen in run ${runIds[2]}`));
    const j = (await cli('exceptions', 'show', id, '--json')).json<{ id: string; history: unknown[] }>();
    expect(j.id).toBe(id);
    expect(j.history).toHaveLength(2);
  });

  it('assign, reassign, resolve, ignore, reopen by id, with --as and --note in the history', async () => {
    const l = await list();
    const c = idOf(l, 'missing_in_legacy', 'C-1');
    expect((await cli('exceptions', 'assign', c, '--to', 'alice', '--as', 'lead')).stdout).toContain(
      `Assigned 1 item: ${c}.`,
    );
    expect((await cli('exceptions', 'assign', c, '--to', 'bob')).code).toBe(0);
    const res = await cli('exceptions', 'resolve', c, '--note', 'posted the receipt', '--json');
    expect(res.json()).toMatchObject({ action: 'resolve', changed: 1, ids: [c] });
    expect((await cli('exceptions', 'reopen', c, '--note', 'still wrong')).code).toBe(0);
    expect((await cli('exceptions', 'ignore', c)).code).toBe(0);
    const show = (await cli('exceptions', 'show', c, '--json')).json<{
      status: string;
      history: { who: string; action: string; fromStatus: string; toStatus: string; note: string | null }[];
    }>();
    expect(show.status).toBe('ignored');
    expect(show.history.slice(-5).map((h) => [h.who, h.action, h.fromStatus, h.toStatus, h.note])).toEqual([
      ['lead', 'assign', 'open', 'assigned', null],
      ['ops-bot', 'reassign', 'assigned', 'assigned', null],
      ['ops-bot', 'resolve', 'assigned', 'resolved', 'posted the receipt'],
      ['ops-bot', 'reopen', 'resolved', 'open', 'still wrong'],
      ['ops-bot', 'ignore', 'open', 'ignored', null],
    ]);
  });

  it('refuses transitions that make no sense, and unknown ids, with exit 2 and a clear message', async () => {
    const l = await list();
    const ignored = idOf(l, 'missing_in_legacy', 'C-1');
    const resolved = idOf(l, 'mismatch', 'A-1');
    const open = idOf(l, 'missing_in_cloud', 'B-1');
    const cases: [string[], RegExp][] = [
      [
        ['resolve', ignored],
        new RegExp(`${ignored} is ignored, so it cannot be resolved\\. Reopen it first`),
      ],
      [['assign', resolved, '--to', 'x'], new RegExp(`${resolved} is resolved, so it cannot be assigned`)],
      [['assign', ignored, '--to', 'x'], new RegExp(`${ignored} is ignored, so it cannot be assigned`)],
      [
        ['reopen', open],
        new RegExp(`${open} is open, not resolved or ignored, so there is nothing to reopen`),
      ],
      [['resolve', resolved], new RegExp(`${resolved} is already resolved`)],
      [['ignore', ignored], new RegExp(`${ignored} is already ignored`)],
      [['ignore', resolved], new RegExp(`${resolved} is resolved, so there is nothing to ignore`)],
      [['resolve', 'X-999999'], /There is no exception X-999999/],
      [['show', 'X-999999'], /There is no exception X-999999/],
      [['show', 'banana'], /"banana" is not an exception id/],
      [['resolve', open, 'X-999998'], /There is no exception X-999998.*nothing was changed/],
      [['resolve'], /Name the items to resolve/],
      [['resolve', open, '--mapping', 'inventory'], /not both/],
      [['list', '--status', 'opn'], /Did you mean --status open\?/],
      [['list', '--older-than', 'soon'], /is not an age/],
    ];
    // A few at a time: every case is its own process.
    const results = [];
    for (let i = 0; i < cases.length; i += 4)
      results.push(...(await Promise.all(cases.slice(i, i + 4).map(([args]) => cli('exceptions', ...args)))));
    for (const [i, [args, message]] of cases.entries()) {
      const r = results[i]!;
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    // A refused id among valid ones changes nothing.
    expect((await cli('exceptions', 'resolve', open, ignored)).code).toBe(2);
    expect((await list('--key', 'B-1')).items[0]!.status).toBe('open');
  });

  it('bulk actions by filter report the count and need --yes without a terminal', async () => {
    const refused = await cli(
      'exceptions',
      'assign',
      '--mapping',
      'inventory',
      '--status',
      'open',
      '--to',
      'carol',
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /would assign 2 items and there is no terminal to confirm it on\. Add --yes/,
    );
    const r = await cli(
      'exceptions',
      'assign',
      '--mapping',
      'inventory',
      '--status',
      'open',
      '--to',
      'carol',
      '--yes',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ action: 'assign', changed: 2, mode: 'filter' });
    expect((await list('--assignee', 'carol')).total).toBe(2);
    // Bulk resolve touches only the items it applies to (the ignored and resolved ones are left alone).
    const res = await cli(
      'exceptions',
      'resolve',
      '--mapping',
      'inventory',
      '--note',
      'batch fixed',
      '--yes',
    );
    expect(res.stdout).toMatch(/^Resolved 2 items: /);
    expect((await list('--status', 'resolved')).total).toBe(3);
    expect((await list('--status', 'ignored')).total).toBe(1);
    const none = await cli('exceptions', 'resolve', '--mapping', 'nothing-here', '--yes');
    expect(none.stdout).toContain('No items match; nothing was changed.');
    const back = await cli(
      'exceptions',
      'reopen',
      '--status',
      'resolved',
      '--kind',
      'mismatch',
      '--yes',
      '--json',
    );
    expect(back.json()).toMatchObject({ changed: 2 });
    const claimed = await cli('exceptions', 'assign', '--next', '1', '--to', 'me', '--json');
    expect(claimed.json()).toMatchObject({ changed: 1, assignee: 'ops-bot' });
  });

  it('exports CSV escaped against formula injection, and an xlsx finance can filter', async () => {
    const csvFile = path.join(dir, 'out', 'q.csv');
    const r = await cli('exceptions', 'export', '--format', 'csv', '--out', csvFile, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ format: 'csv', rows: 4 });
    const csv = fs.readFileSync(csvFile, 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^ID,Kind,Mapping,Key,Status/);
    expect(csv).toContain(`'=SUM(A1) / DC-EAST`);
    expect(csv).not.toMatch(/(^|,)=SUM/m);
    expect(csv).toContain('"on_hand: 10.000 → 4.000"'.replace(/"/g, ''));

    const xlsxFile = path.join(dir, 'out', 'q.xlsx');
    expect((await cli('exceptions', 'export', '--out', xlsxFile, '--status', 'open')).code).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(xlsxFile);
    const ws = wb.getWorksheet('Exceptions')!;
    expect(ws.getRow(1).getCell(1).value).toBe('ID');
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(ws.autoFilter).toBeTruthy();
    const open = await list('--status', 'open');
    expect(ws.rowCount).toBe(open.total + 1);
    const keys = Array.from({ length: open.total }, (_, i) => ws.getRow(i + 2).getCell(4).value);
    expect(keys.every((k) => typeof k === 'string')).toBe(true);
    // Numbers as numbers, dates as dates, one column per value and side (not JSON text).
    const header = (ws.getRow(1).values as unknown[]).slice(1).map(String);
    expect(header).toEqual(
      expect.arrayContaining(['First seen (UTC)', 'on_hand (legacy)', 'on_hand (cloud)']),
    );
    expect(header.join('|')).not.toMatch(/Legacy values|Cloud values/);
    const col = (name: string) => header.indexOf(name) + 1;
    const rowsOut = Array.from({ length: open.total }, (_, i) => ws.getRow(i + 2));
    const mismatch = rowsOut.find((r) => r.getCell(col('Kind')).value === 'mismatch')!;
    expect(mismatch.getCell(col('First seen (UTC)')).value).toBeInstanceOf(Date);
    expect(typeof mismatch.getCell(col('Occurrences')).value).toBe('number');
    const legacyOnHand = mismatch.getCell(col('on_hand (legacy)'));
    expect(typeof legacyOnHand.value).toBe('number');
    expect(legacyOnHand.numFmt).toMatch(/0\.000/);
    const variance = mismatch.getCell(col('Variance'));
    if (variance.value !== null) expect(typeof variance.value).toBe('number');
    const csvHeader = lines[0]!.split(',');
    expect(csvHeader).toEqual(expect.arrayContaining(['on_hand (legacy)', 'on_hand (cloud)']));

    // --out naming a folder is bad input: one paragraph, exit 2, and nothing written in it.
    const folder = path.join(dir, 'out');
    for (const format of ['csv', 'xlsx']) {
      const bad = await cli('exceptions', 'export', '--format', format, '--out', folder);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/out is a folder; a file name is needed/);
      expect(bad.stderr).not.toMatch(/^\s+at /m);
    }
    expect(fs.readdirSync(folder).sort()).toEqual(['q.csv', 'q.xlsx']);
  });
});

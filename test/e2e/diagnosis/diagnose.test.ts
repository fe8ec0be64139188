/**
 * `cutover diagnose` through the binary: a reconcile with planted causes (a ×12 unit factor at one
 * location, a +1 h time shift, an unmapped status code, trailing spaces) gets its causes in the
 * summary, `diagnose --json` names them with their parameters, and the exception queue acts on the
 * items of one cause with a note, recorded as accepted by a named person.
 */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { runCli } from '../../helpers/cli.js';
import { makeProject, sqliteDb } from '../config/project.js';

const project = makeProject({
  'cutover.yaml': `connections:
  legacy: { url: "sqlite:legacy.db" }
  cloud: { url: "sqlite:cloud.db" }
control: { url: "sqlite:.cutover/control.db" }
`,
  'mappings/stock.yaml': `name: stock
key: [sku, location]
fields:
  sku: { type: string }
  location: { type: string }
  qty: { type: decimal, scale: 3 }
  price: { type: decimal, scale: 2, currency: USD }
  status: { type: string }
  label: { type: string }
  counted_at: { type: timestamp, precision: s }
legacy:
  connection: legacy
  table: stock
  columns: { sku: sku, location: loc, qty: qty, price: price, status: status, label: label, counted_at: counted_at }
cloud:
  connection: cloud
  table: stock
  columns: { sku: sku, location: loc, qty: qty, price: price, status: status, label: label, counted_at: counted_at }
`,
});
const dir = project.dir;
afterAll(() => project.cleanup());

const FACTOR_ROWS = 15; // at DC-9: cloud = legacy × 12
const SHIFT_ROWS = 12; // at STORE-7: cloud = legacy + 3600 s
const CODE_ROWS = 8; // legacy HOLD shows as cloud blocked
const PAD_ROWS = 3; // cloud label with trailing spaces
const NOISE_ROWS = 2; // qty off by an unrelated amount

beforeAll(() => {
  const create =
    'CREATE TABLE stock (sku TEXT, loc TEXT, qty TEXT, price TEXT, status TEXT, label TEXT, counted_at TEXT);';
  sqliteDb(path.join(dir, 'legacy.db'), create);
  sqliteDb(path.join(dir, 'cloud.db'), create);
  const legacy = new Database(path.join(dir, 'legacy.db'));
  const cloud = new Database(path.join(dir, 'cloud.db'));
  const ins = (db: Database.Database) => db.prepare('INSERT INTO stock VALUES (?, ?, ?, ?, ?, ?, ?)');
  const l = ins(legacy);
  const c = ins(cloud);
  let n = 0;
  const add = (loc: string, count: number, change: (row: string[]) => void) => {
    for (let i = 0; i < count; i++) {
      n++;
      const row = [
        `S${String(n).padStart(4, '0')}`,
        loc,
        `${n * 7}.000`,
        `${n}.25`,
        'OK',
        `Item ${n}`,
        `2026-11-20T${String(n % 24).padStart(2, '0')}:00:00Z`,
      ];
      l.run(...row);
      const other = [...row];
      change(other);
      c.run(...other);
    }
  };
  add('STORE-1', 40, () => undefined); // matches
  add('DC-9', FACTOR_ROWS, (r) => (r[2] = `${Number(r[2]!.split('.')[0]) * 12}.000`));
  add(
    'STORE-7',
    SHIFT_ROWS,
    (r) => (r[6] = r[6]!.replace(/T(\d\d)/, (_, h) => `T${String((Number(h) + 1) % 24).padStart(2, '0')}`)),
  );
  add('STORE-2', CODE_ROWS, (r) => (r[4] = 'blocked'));
  add('STORE-3', PAD_ROWS, (r) => (r[5] = `${r[5]}  `));
  add('STORE-4', NOISE_ROWS, (r) => (r[2] = `${Number(r[2]!.split('.')[0]) + 3 + n}.000`));
  legacy.prepare("UPDATE stock SET status = 'HOLD' WHERE loc = 'STORE-2'").run();
  legacy.close();
  cloud.close();
});

describe('cutover diagnose', { timeout: 300_000 }, () => {
  let runId = '';

  it('reconcile stores the causes in its summary, and diagnose --json names them with their parameters', async () => {
    const r = await runCli(['reconcile', 'stock', '--json', '--report', 'json,md,xlsx'], { cwd: dir });
    expect(r.code).toBe(1);
    const summary = r.json<{ runId: string; causes: { kind: string; count: number }[] }>();
    runId = summary.runId;
    expect(summary.causes.map((c) => [c.kind, c.count])).toEqual([
      ['unit_factor', FACTOR_ROWS],
      ['time_shift', SHIFT_ROWS],
      ['code_substitution', CODE_ROWS],
      ['padding_or_case', PAD_ROWS],
    ]);

    const d = await runCli(['diagnose', runId, '--json'], { cwd: dir });
    expect(d.code).toBe(0);
    const diagnosis = d.json<{
      runId: string;
      differences: number;
      explained: number;
      unexplained: number;
      causes: Record<string, unknown>[];
    }>();
    expect(diagnosis).toMatchObject({
      runId,
      differences: FACTOR_ROWS + SHIFT_ROWS + CODE_ROWS + PAD_ROWS + NOISE_ROWS,
      explained: FACTOR_ROWS + SHIFT_ROWS + CODE_ROWS + PAD_ROWS,
      unexplained: NOISE_ROWS,
    });
    const [factor, shift, code, pad] = diagnosis.causes;
    expect(factor).toMatchObject({
      kind: 'unit_factor',
      field: 'qty',
      count: FACTOR_ROWS,
      where: { location: 'DC-9' },
      evidence: { factor: '12' },
      confidence: 'high',
      suggestion: expect.stringContaining("multiply: '12'"),
    });
    // cloud − legacy summed exactly: 11 × (7 × n) for the 15 rows n = 41..55.
    let sum = 0n;
    for (let n = 41; n <= 55; n++) sum += 11n * 7n * BigInt(n);
    expect(factor!.impact).toEqual({ field: 'qty', quantity: `${sum}.000` });
    expect(factor!.sampleKeys).toHaveLength(5);
    expect(factor!.share).toBe((FACTOR_ROWS / diagnosis.differences).toFixed(4));
    expect(shift).toMatchObject({
      kind: 'time_shift',
      field: 'counted_at',
      count: SHIFT_ROWS,
      where: { location: 'STORE-7' },
      evidence: { seconds: '3600' },
    });
    expect(code).toMatchObject({
      kind: 'code_substitution',
      field: 'status',
      count: CODE_ROWS,
      evidence: { legacy: 'HOLD', cloud: 'blocked' },
      suggestion:
        'legacy.columns.status: { map: { HOLD: blocked } }  # only where location = STORE-2: split the mapping or convert in its query',
      impact: { field: 'qty', quantity: expect.stringMatching(/^\d+\.000$/) },
    });
    expect(pad).toMatchObject({
      kind: 'padding_or_case',
      field: 'label',
      evidence: { transform: 'trim' },
      suggestion: 'fields.label: { trim: true }',
    });

    const human = await runCli(['diagnose', runId], { cwd: dir });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('cloud = legacy × 12, where location = DC-9');
    expect(human.stdout).toContain(`${NOISE_ROWS} unexplained`);
  });

  it('the workbook has a Causes sheet after the Summary, the Markdown report a Causes section', async () => {
    const folder = path.join(dir, 'reports', runId);
    const md = fs.readFileSync(path.join(folder, 'reconciliation.md'), 'utf8');
    expect(md).toContain('### Causes (4)');
    expect(md).toMatch(
      /\| 1 \| unit_factor \| 15 \| [0-9.]+ \| location = DC-9 \| unit factor on qty: cloud = legacy × 12 \|/,
    );
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(path.join(folder, 'reconciliation.xlsx'));
    expect(wb.worksheets.map((w) => w.name).slice(0, 2)).toEqual(['Summary', 'Causes']);
    const sheet = wb.getWorksheet('Causes')!;
    expect(sheet.getRow(1).getCell(1).value).toBe('Cause');
    expect([2, 3, 4, 5].map((r) => sheet.getRow(r).getCell(1).value)).toEqual([
      'unit_factor',
      'time_shift',
      'code_substitution',
      'padding_or_case',
    ]);
    expect(sheet.getRow(2).getCell(3).value).toBe(FACTOR_ROWS);
    expect(String(sheet.getRow(2).getCell(10).value)).toContain("multiply: '12'");
    const json = JSON.parse(fs.readFileSync(path.join(folder, 'reconciliation.json'), 'utf8'));
    expect(json.causes).toHaveLength(4);
  });

  it('runs show lists the causes', async () => {
    const r = await runCli(['runs', 'show', runId], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/causes:/);
    expect(r.stdout).toMatch(/unit_factor [\d,]+: unit factor on \w+: cloud = legacy × 12/);
  });

  it('exceptions list --cause and resolve --cause act on exactly the items a cause explains, with a named person', async () => {
    const list = await runCli(['exceptions', 'list', '--cause', 'unit_factor', '--json'], { cwd: dir });
    expect(list.code).toBe(0);
    const items = list.json<{ total: number; items: { key: { location: string } }[] }>();
    expect(items.total).toBe(FACTOR_ROWS);
    expect(new Set(items.items.map((i) => i.key.location))).toEqual(new Set(['DC-9']));

    const noNote = await runCli(['exceptions', 'resolve', '--cause', 'unit_factor', '--yes'], { cwd: dir });
    expect(noNote.code).toBe(2);
    expect(noNote.stderr).toContain('--note');

    const noYes = await runCli(['exceptions', 'resolve', '--cause', 'unit_factor', '--note', 'x'], {
      cwd: dir,
    });
    expect(noYes.code).toBe(2); // a bulk action off a terminal needs --yes
    expect(noYes.stderr).toContain('--yes');

    const bad = await runCli(['exceptions', 'list', '--cause', 'unit_factr'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unit_factor');

    const ok = await runCli(
      [
        'exceptions',
        'resolve',
        '--cause',
        'unit_factor',
        '--note',
        'DC-9 loaded in cases; load fixed',
        '--yes',
        '--json',
      ],
      { cwd: dir, env: { CUTOVER_USER: 'ana.lima' } },
    );
    expect(ok.code).toBe(0);
    const done = ok.json<{ changed: number; ids: string[] }>();
    expect(done.changed).toBe(FACTOR_ROWS);
    const show = await runCli(['exceptions', 'show', done.ids[0]!, '--json'], { cwd: dir });
    const history = show.json<{ history: { who: string; action: string; note: string }[] }>().history;
    expect(history.at(-1)).toMatchObject({
      who: 'ana.lima',
      action: 'resolve',
      note: 'accepted cause unit_factor (by ana.lima): DC-9 loaded in cases; load fixed',
    });
    // Nothing else was touched: the other causes' items are still open.
    const open = await runCli(['exceptions', 'list', '--status', 'open', '--json'], { cwd: dir });
    expect(open.json<{ total: number }>().total).toBe(SHIFT_ROWS + CODE_ROWS + PAD_ROWS + NOISE_ROWS);
  });

  it('an unknown run is bad input', async () => {
    const r = await runCli(['diagnose', 'r_nope'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Error: There is no reconcile run "r_nope"/m);
  });
});

// Aging against an SLA (issue 19, item 3): `exceptions: { sla: … }` in cutover.yaml, `exceptions
// list --overdue`, `overdue` in --json, and the export's Aging sheet. The clock is moved with
// CUTOVER_NOW to see the queue as it will stand days later.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../../helpers/cli.js';

let dir: string;
const DAY = 86_400_000;
const at = (days: number) => ({ CUTOVER_NOW: new Date(Date.now() + days * DAY).toISOString() });

interface Item {
  id: string;
  severity: string;
  status: string;
  overdue?: boolean;
}
const list = async (args: string[], env: Record<string, string> = {}) => {
  const r = await runCli(['exceptions', 'list', '--json', ...args], { cwd: dir, env });
  expect(r.code, r.stderr).toBe(0);
  return r.json<{ total: number; items: Item[] }>();
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-sla-'));
  fs.cpSync(path.join(ROOT, 'examples', 'quickstart'), dir, {
    recursive: true,
    filter: (src) => !/[\\/](\.cutover|reports)$/.test(src),
  });
  const r = await runCli(['reconcile', 'inventory', '--report', 'json'], { cwd: dir });
  expect(r.code, r.stderr).toBe(1);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('exceptions.sla', () => {
  it('--overdue without an SLA says how to declare one (exit 2)', async () => {
    const r = await runCli(['exceptions', 'list', '--overdue'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--overdue needs .* no `exceptions.sla` in .*cutover.yaml/);
    expect(r.stderr).toMatch(/exceptions: \{ sla: \{ high: 1d, medium: 3d, low: 7d \} \}/);
  });

  it('a value that is not an age is refused by config check, naming the key', async () => {
    const file = path.join(dir, 'cutover.yaml');
    const good = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, `${good}exceptions: { sla: { high: soon } }\n`);
    const r = await runCli(['config', 'check'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/exceptions\.sla\.high/);
    expect(r.stderr).toMatch(/not an age/);
    fs.writeFileSync(file, `${good}exceptions: { sla: { high: 1d, medium: 3d, low: 7d } }\n`);
  });

  it('marks items past their severity SLA, and --overdue lists exactly those', async () => {
    const now = await list([]);
    expect(now.total).toBeGreaterThan(0);
    expect(now.items.every((i) => i.overdue === false)).toBe(true);
    expect((await list(['--overdue'])).total).toBe(0);

    // Two days on: only high items (1 d) are past their SLA; medium (3 d) and low (7 d) are not.
    const later = await list([], at(2));
    for (const i of later.items) expect(i.overdue, `${i.id} ${i.severity}`).toBe(i.severity === 'high');
    const overdue = await list(['--overdue'], at(2));
    expect(overdue.items.map((i) => i.id).sort()).toEqual(
      later.items
        .filter((i) => i.severity === 'high')
        .map((i) => i.id)
        .sort(),
    );

    // Eight days on every open item is past its SLA (and high by age).
    const week = await list(['--overdue'], at(8));
    expect(week.total).toBe(now.total);

    const human = await runCli(['exceptions', 'list'], { cwd: dir, env: at(8) });
    expect(human.stdout).toMatch(/\bSLA\b/);
    expect(human.stdout).toMatch(/OVERDUE/);
  });

  it('the export has an Aging sheet: open items by age, per severity and assignee, and those past the SLA', async () => {
    const file = path.join(dir, 'q.xlsx');
    const r = await runCli(['exceptions', 'export', '--out', file], { cwd: dir, env: at(2) });
    expect(r.code, r.stderr).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const ws = wb.getWorksheet('Aging')!;
    expect(ws).toBeTruthy();
    const rows = ws.getSheetValues().filter(Boolean) as unknown[][];
    const header = rows.find((r) => r[1] === 'Severity')!;
    expect(header.slice(1)).toEqual(['Severity', '0–1 d', '1–3 d', '3–7 d', '> 7 d', 'Total', 'Past SLA']);
    const items = (await list([], at(2))).items;
    const high = rows.find((r) => r[1] === 'high')!;
    const highCount = items.filter((i) => i.severity === 'high').length;
    expect(high[6]).toBe(highCount);
    expect(high[7]).toBe(highCount);
    // Everything is two days old: all in the 1–3 d bucket.
    const total = rows
      .filter((r) => ['high', 'medium', 'low'].includes(r[1] as string))
      .reduce((n, r) => n + (r[3] as number), 0);
    expect(total).toBe(items.length);
    expect(rows.some((r) => r[1] === '(unassigned)')).toBe(true);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import type { ReconcileSummary, TotalsSummaryEntry } from '../../../src/reconcilers/types.js';

// The demo's postings: the trial balance by account nets to 0.01 while four accounts differ by
// +18,796.49, -22,113.50, +2,764.18 and +552.83 (and the rounding account by 0.01). Finance must
// see the 44,227.01 that moved, not only the cent.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-totals-e2e-'));
const config = ['--config', path.join(dir, 'cutover.yaml')];
let postings: ReconcileSummary;
let refunds: ReconcileSummary;

beforeAll(async () => {
  const demo = await runCli(['demo', '--dir', dir, '--json'], { timeoutMs: 180_000 });
  expect(demo.code, demo.stderr).toBe(0);
  const runs = demo.json<{ runs: ReconcileSummary[] }>().runs;
  postings = runs.find((r) => r.name === 'postings')!;
  refunds = runs.find((r) => r.name === 'refunds')!;
}, 200_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const entry = (s: ReconcileSummary, group: string, field: string) =>
  s.totalsSummary?.find((t) => t.group === group && t.field === field);

describe('control totals never net offsetting errors away', () => {
  it('--json carries totalsSummary with net and absolute differences, lines with a variance and the largest line', () => {
    const tb: TotalsSummaryEntry | undefined = entry(postings, 'Trial balance by account', 'amount');
    expect(tb).toEqual({
      group: 'Trial balance by account',
      field: 'amount',
      currency: 'USD',
      lines: 12,
      linesWithVariance: 5,
      legacy: '-0.01',
      cloud: '0.00',
      difference: '0.01',
      absDifference: '44227.01',
      largest: { by: { account: '112000' }, difference: '-22113.50' },
    });
    // Every entry has the contract's keys; a total whose lines all agree has no largest line.
    for (const t of postings.totalsSummary ?? []) {
      expect(Object.keys(t).sort()).toEqual(
        expect.arrayContaining(['group', 'field', 'lines', 'linesWithVariance', 'legacy', 'cloud', 'difference', 'absDifference', 'largest']),
      );
      expect(t.largest === null).toBe(t.linesWithVariance === 0);
    }
    // The refunds that moved from RFSC to refunded: net -3,782.15 hides them, the largest line shows them.
    const status = entry(refunds, 'amount by status', 'amount');
    expect(status).toMatchObject({ difference: '-3782.15', absDifference: '3782.17', linesWithVariance: 3 });
    expect(status?.largest).toEqual({ by: { status: 'RFSC', currency: 'USD' }, difference: '-2564.90' });
  });

  it('the workbook Summary shows them per group, exact, in the currency, with a link to the detail sheet', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(path.join(dir, 'reports', postings.runId, 'reconciliation.xlsx'));
    const ws = wb.getWorksheet('Summary')!;
    let row: ExcelJS.Row | undefined;
    ws.eachRow((r) => {
      if (r.getCell(1).value === 'Trial balance by account') row = r;
    });
    expect(row).toBeDefined();
    const usd = '[$USD] #,##0.00;[Red]-[$USD] #,##0.00';
    expect(row!.getCell(3).value).toBe(12);
    expect(row!.getCell(6).value).toBe(0.01); // net
    expect(row!.getCell(7).value).toBe(44227.01); // absolute
    expect(row!.getCell(7).numFmt).toBe(usd);
    expect(row!.getCell(8).value).toBe(5);
    expect(row!.getCell(9).value).toBe('account 112000');
    expect(row!.getCell(10).value).toBe(-22113.5);
    expect(row!.getCell(10).numFmt).toBe(usd);
    expect(row!.getCell(11).value).toEqual({
      formula: `HYPERLINK("#'Trial balance by account'!A1","Trial balance by account")`,
      result: 'Trial balance by account',
    });
    // The domain trial balance is money too, and its label is in the same case style.
    let trial: ExcelJS.Row | undefined;
    ws.eachRow((r) => {
      if (r.getCell(1).value === 'Trial balance') trial = r;
    });
    expect(trial!.getCell(4).numFmt).toBe(usd);
    expect(trial!.getCell(7).value).toBe(44227.01);
  });

  it('the Markdown report and `runs show` say it in words', async () => {
    const md = await runCli(['report', postings.runId, '--format', 'md', '--out', path.join(dir, 'postings.md'), ...config], { cwd: dir });
    expect(md.code, md.stderr).toBe(0);
    const text = fs.readFileSync(path.join(dir, 'postings.md'), 'utf8');
    expect(text).toContain(
      '| Trial balance by account | amount | -0.01 USD | 0.00 USD | 0.01 USD | 44,227.01 USD | 5 of 12 | account 112000: -22,113.50 USD |',
    );
    const show = await runCli(['runs', 'show', postings.runId, ...config], { cwd: dir });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(
      'Trial balance by account amount: net 0.01 USD, absolute 44,227.01 USD; 5 of 12 lines differ, largest account 112000: -22,113.50 USD',
    );
    const json = await runCli(['runs', 'show', postings.runId, '--json', ...config], { cwd: dir });
    const stored = json.json<{ summary: ReconcileSummary }>().summary;
    expect(stored.totalsSummary).toEqual(postings.totalsSummary);
  }, 180_000);
});

describe('the Markdown report names the other reports where they are', () => {
  it('relative to the Markdown file, not to the folder the run was started in', async () => {
    const r = await runCli(['reconcile', 'postings', '--report', 'md,xlsx', '--json', ...config], { cwd: path.dirname(dir) });
    expect(r.code, r.stderr).toBe(1);
    const run = r.json<ReconcileSummary>();
    const md = fs.readFileSync(path.join(dir, 'reports', run.runId, 'reconciliation.md'), 'utf8');
    expect(md).toContain('Reports: differences `differences.jsonl`, md `reconciliation.md`, xlsx `reconciliation.xlsx`');
    // The same from `cutover report`, run from anywhere.
    const again = await runCli(['report', run.runId, '--format', 'md', ...config], { cwd: os.tmpdir() });
    expect(again.code, again.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'reports', run.runId, 'reconciliation.md'), 'utf8')).toContain(
      'Reports: differences `differences.jsonl`, md `reconciliation.md`, xlsx `reconciliation.xlsx`',
    );
  }, 180_000);
});

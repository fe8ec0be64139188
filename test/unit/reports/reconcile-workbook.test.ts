import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeReconcileReports } from '../../../src/reports/write-reconcile-reports.js';
import { writeReconcileWorkbook } from '../../../src/reports/reconcile-workbook.js';
import type { ControlStore } from '../../../src/store/control-store.js';
import { DIALECTS, inventoryMapping, manyMismatches, sampleDiffs, storeRun, tempStore } from './report-fixture.js';


async function readBook(file: string): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  return wb;
}

function headers(ws: ExcelJS.Worksheet, row = 1): string[] {
  return (ws.getRow(row).values as unknown[]).slice(1).map(String);
}

/** The first row whose column A holds `text`. */
function rowWith(ws: ExcelJS.Worksheet, text: string, col = 1): ExcelJS.Row {
  for (let r = 1; r <= ws.rowCount; r++) if (ws.getRow(r).getCell(col).value === text) return ws.getRow(r);
  throw new Error(`no row with "${text}" in ${ws.name}`);
}

function allText(ws: ExcelJS.Worksheet): string {
  const out: string[] = [];
  ws.eachRow((row) => row.eachCell((c) => out.push(String(c.value))));
  return out.join('\n');
}

for (const dialect of DIALECTS)
describe(`reconciliation workbook from a ${dialect} control store`, () => {
  let ctx: Awaited<ReturnType<typeof tempStore>>;
  let store: ControlStore;
  beforeEach(async () => {
    ctx = await tempStore(dialect);
    store = ctx.store;
  });
  afterEach(async () => ctx.cleanup());

  it('has a Summary, one sheet per class present and one per control-total group, with typed cells', async () => {
    const { runId, summary } = await storeRun(store, sampleDiffs());
    const outDir = path.join(ctx.dir, 'reports', runId);
    const written = await writeReconcileReports({ store, summary, mapping: inventoryMapping, runId, formats: ['xlsx'], outDir });
    expect(written).toEqual({ xlsx: path.join(outDir, 'reconciliation.xlsx') });
    expect(fs.readdirSync(outDir)).toEqual(['reconciliation.xlsx']); // no temp file left behind
    const wb = await readBook(written.xlsx as string);
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      'Summary',
      'Mismatches',
      'Missing in Cloud',
      'Missing in Legacy',
      'Duplicates',
      'On_hand by location',
      'On_hand by day',
    ]); // "inventory value" is a grand total only (no `by`): it is on the Summary, with no sheet of its own

    const mm = wb.getWorksheet('Mismatches')!;
    expect(headers(mm)).toEqual([
      'sku', 'location',
      'On hand legacy', 'On hand cloud', 'On hand delta',
      'Description legacy', 'Description cloud',
      'counted_at legacy', 'counted_at cloud', 'counted_at delta (s)',
      'big legacy', 'big cloud', 'big delta',
      'Differing fields',
    ]);
    expect(mm.views[0]).toMatchObject({ state: 'frozen', ySplit: 1, xSplit: 2 });
    expect(mm.autoFilter).toBeTruthy();
    const r2 = mm.getRow(2);
    // numbers are numbers, with the field's scale as their format, and highlighted
    expect(r2.getCell(3).type).toBe(ExcelJS.ValueType.Number);
    expect(r2.getCell(3).value).toBe(10);
    expect(r2.getCell(3).numFmt).toBe('#,##0.000;[Red]-#,##0.000');
    expect(r2.getCell(5).value).toBe(-1);
    expect((r2.getCell(3).fill as ExcelJS.FillPattern).fgColor?.argb).toBe('FFFFC7CE');
    // formula-like ERP text stays inert text
    const desc = r2.getCell(7);
    expect(desc.type).toBe(ExcelJS.ValueType.String);
    expect(desc.value).toBe('=HYPERLINK("http://x","y")');
    expect(desc.formula).toBeUndefined();
    // timestamps are dates
    expect(r2.getCell(8).type).toBe(ExcelJS.ValueType.Date);
    expect((r2.getCell(8).value as Date).toISOString()).toBe('2026-11-25T14:03:11.000Z');
    expect(r2.getCell(8).numFmt).toBe('yyyy-mm-dd hh:mm:ss');
    // a timestamp delta (1000 ms) in the largest unit that divides the run's deltas
    expect(r2.getCell(10).value).toBe(1);
    // unrelated fields of the row are empty, not zero
    expect(r2.getCell(11).value).toBeNull();
    // a text key that looks like a negative number stays text
    const r3 = mm.getRow(3);
    expect(r3.getCell(1).value).toBe('-5');
    // beyond 15 significant digits: written as text with a note, so no digit is lost
    expect(r3.getCell(11).type).toBe(ExcelJS.ValueType.String);
    expect(r3.getCell(11).value).toBe('12345678901234567.1234');
    expect(String(r3.getCell(11).note)).toMatch(/15 significant digits/);

    const byDay = wb.getWorksheet('On_hand by day')!.getRow(2).getCell(1);
    expect(byDay.type).toBe(ExcelJS.ValueType.Date);
    expect((byDay.value as Date).toISOString()).toBe('2026-11-25T00:00:00.000Z');
    expect(byDay.numFmt).toBe('yyyy-mm-dd');

    const mc = wb.getWorksheet('Missing in Cloud')!;
    expect(headers(mc)).toEqual(['sku', 'location', 'On hand', 'Unit cost', 'Description', 'counted_at', 'big']);
    expect(mc.getRow(2).getCell(3).value).toBe(-1.5);
    expect(mc.getRow(2).getCell(4).numFmt).toBe('[$USD] #,##0.00;[Red]-[$USD] #,##0.00');
    expect(mc.getRow(2).getCell(5).type).toBe(ExcelJS.ValueType.String);
    expect(mc.getRow(2).getCell(5).value).toBe('@SUM(A1)');
    expect(headers(wb.getWorksheet('Duplicates')!).slice(0, 4)).toEqual(['sku', 'location', 'Side', 'Rows with this key']);
    expect(wb.getWorksheet('Duplicates')!.getRow(2).getCell(4).value).toBe(2);
  });

  // Linux: every write to /dev/full fails with ENOSPC. ExcelJS heard its file's errors only inside
  // commit(): a disk that filled part-way through a sheet left commit() unsettled (exit code 13).
  it.skipIf(!fs.existsSync('/dev/full'))(
    'a disk that fills part-way through the detail: a clear error, not a hang',
    async () => {
      const { runId, summary } = await storeRun(store, manyMismatches(20_000));
      const write = writeReconcileWorkbook({
        store,
        summary,
        mapping: inventoryMapping,
        runId,
        file: '/dev/full',
        completeDetail: [],
      });
      await expect(write).rejects.toThrow('Cannot write /dev/full: the disk is full.');
    },
    60_000,
  );

  it('Summary says FAIL and its counts and control totals equal the JSON summary', async () => {
    const { runId, summary } = await storeRun(store, sampleDiffs());
    const written = await writeReconcileReports({
      store, summary, mapping: inventoryMapping, runId, formats: ['xlsx', 'json'], outDir: path.join(ctx.dir, runId),
    });
    const json = JSON.parse(fs.readFileSync(written.json as string, 'utf8'));
    const ws = (await readBook(written.xlsx as string)).getWorksheet('Summary')!;
    expect(rowWith(ws, 'Result').getCell(2).value).toBe('FAIL');
    expect(rowWith(ws, 'Run id').getCell(2).value).toBe(runId);
    expect(rowWith(ws, 'Legacy system').getCell(2).value).toBe('legacy: postgres://app:***@legacy-db/erp');
    expect(rowWith(ws, 'Started').getCell(2).type).toBe(ExcelJS.ValueType.Date);
    expect(rowWith(ws, 'Mismatched').getCell(2).value).toBe(json.counts.mismatched);
    expect(rowWith(ws, 'Missing in cloud').getCell(2).value).toBe(json.counts.missingInCloud);
    expect(rowWith(ws, 'Matched').getCell(2).value).toBe(json.counts.matched);

    // Group labels in one case style (sentence case), the JSON keeps the group as defined.
    const byLoc = rowWith(ws, 'On_hand by location');
    const lines = (json.totals as { group: string; legacy: string; cloud: string; difference: string }[]).filter(
      (l) => l.group === 'on_hand by location',
    );
    const sum = (pick: (l: (typeof lines)[number]) => string) =>
      lines.reduce((a, l) => a + BigInt(pick(l).replace('.', '')), 0n);
    expect(byLoc.getCell(2).value).toBe('On hand');
    expect(byLoc.getCell(3).value).toBe(3);
    expect(BigInt(Math.round((byLoc.getCell(4).value as number) * 1000))).toBe(sum((l) => l.legacy));
    expect(BigInt(Math.round((byLoc.getCell(5).value as number) * 1000))).toBe(sum((l) => l.cloud));
    expect(BigInt(Math.round((byLoc.getCell(6).value as number) * 1000))).toBe(sum((l) => l.difference));
    expect(byLoc.getCell(4).numFmt).toBe('#,##0.000;[Red]-#,##0.000');
    // Offsetting line differences (-12.000 and +1.500) do not net away: the absolute difference,
    // the lines with a variance and the largest line stand beside the net -10.500.
    expect(headers(ws, rowWith(ws, 'Group').number)).toEqual([
      'Group', 'Field', 'Lines', 'Legacy', 'Cloud', 'Net difference (cloud − legacy)', 'Absolute difference',
      'Lines with variance', 'Largest line', 'Largest line difference', 'Detail sheet',
    ]);
    expect(byLoc.getCell(6).value).toBe(-10.5);
    expect(byLoc.getCell(7).value).toBe(13.5);
    expect(byLoc.getCell(7).numFmt).toBe('#,##0.000;[Red]-#,##0.000');
    expect(byLoc.getCell(8).value).toBe(2); // lines with a variance
    expect(byLoc.getCell(9).value).toBe('location DC-EAST');
    expect(byLoc.getCell(10).value).toBe(-12);
    const tsum = (json.totalsSummary as { group: string; absDifference: string; largest: unknown }[]).find((t) => t.group === 'on_hand by location');
    expect(tsum).toMatchObject({ absDifference: '13.500', largest: { by: { location: 'DC-EAST' }, difference: '-12.000' } });
    // The detail sheet column is a link to the sheet.
    expect(byLoc.getCell(11).value).toEqual({
      formula: `HYPERLINK("#'On_hand by location'!A1","On_hand by location")`,
      result: 'On_hand by location',
    });
    const value = rowWith(ws, 'Inventory value');
    expect(value.getCell(4).value).toBe(123456.78);
    expect(value.getCell(6).value).toBe(-56.77);
    expect(value.getCell(4).numFmt).toBe('[$USD] #,##0.00;[Red]-[$USD] #,##0.00');
    expect(rowWith(ws, 'on_hand', 1).getCell(3).value).toBe(1); // fields with most mismatches
    expect(allText(ws)).toMatch(/Every difference of this run is listed/);
    expect(allText(ws)).toMatch(/2 numbers have more than 15 significant digits/);

    // the domain sheet ties out to the Summary
    const dom = (await readBook(written.xlsx as string)).getWorksheet('On_hand by location')!;
    expect(headers(dom)).toEqual(['location', 'Field', 'Legacy', 'Cloud', 'Variance (cloud − legacy)']);
    const total = rowWith(dom, 'Total');
    expect(total.getCell(3).value).toBe(byLoc.getCell(4).value);
    expect(total.getCell(5).value).toBe(byLoc.getCell(6).value);
  });

  it('lists unbalanced journals with their debit, credit and difference as numbers', async () => {
    const diffs = [
      ...sampleDiffs().slice(0, 1),
      {
        type: 'unbalanced_journal' as const,
        key: { journal: 'JE-7' },
        side: 'legacy' as const,
        balance: { debit: '100.00', credit: '99.99', difference: '0.01' },
      },
    ];
    const { runId, summary } = await storeRun(store, diffs);
    summary.counts.unbalancedJournals = 1;
    const written = await writeReconcileReports({ store, summary, mapping: inventoryMapping, runId, formats: ['xlsx'], outDir: path.join(ctx.dir, runId) });
    const wb = await readBook(written.xlsx as string);
    const uj = wb.getWorksheet('Unbalanced Journals')!;
    expect(headers(uj)).toEqual(['journal', 'Side', 'Debit', 'Credit', 'Difference']);
    expect((uj.getRow(2).values as unknown[]).slice(1)).toEqual(['JE-7', 'legacy', 100, 99.99, 0.01]);
    expect(uj.getRow(2).getCell(3).numFmt).toBe('#,##0.00;[Red]-#,##0.00');
    expect(rowWith(wb.getWorksheet('Summary')!, 'Unbalanced journals').getCell(2).value).toBe(1);
  });

  it('infers scales and kinds from the values when no mapping is given', async () => {
    const { runId, summary } = await storeRun(store, sampleDiffs());
    const written = await writeReconcileReports({ store, summary, runId, formats: ['xlsx'], outDir: path.join(ctx.dir, runId) });
    const wb = await readBook(written.xlsx as string);
    const mc = wb.getWorksheet('Missing in Cloud')!;
    const h = headers(mc);
    const onHand = mc.getRow(2).getCell(h.indexOf('on_hand') + 1);
    expect(onHand.value).toBe(-1.5);
    expect(onHand.numFmt).toBe('#,##0.000;[Red]-#,##0.000');
    expect(mc.getRow(2).getCell(h.indexOf('unit_cost') + 1).numFmt).toBe('#,##0.00;[Red]-#,##0.00');
    expect(mc.getRow(2).getCell(h.indexOf('counted_at') + 1).type).toBe(ExcelJS.ValueType.Date);
    expect(mc.getRow(2).getCell(h.indexOf('description') + 1).type).toBe(ExcelJS.ValueType.String);
  });

  it('caps a run bigger than the cap, says so on the Summary, and writes the complete detail to CSV', async () => {
    const diffs = [...manyMismatches(250), ...sampleDiffs().slice(2)];
    const { runId, summary } = await storeRun(store, diffs);
    const outDir = path.join(ctx.dir, runId);
    const written = await writeReconcileReports({ store, summary, mapping: inventoryMapping, runId, formats: ['xlsx'], outDir, xlsxDetailRowCap: 100 });
    expect(written.csv).toBe(path.join(outDir, 'differences.csv'));
    const wb = await readBook(written.xlsx as string);
    // the small classes are shown whole; mismatches get what is left of the cap
    expect(wb.getWorksheet('Mismatches')!.rowCount).toBe(1 + 97);
    expect(wb.getWorksheet('Missing in Cloud')!.rowCount).toBe(2);
    const ws = wb.getWorksheet('Summary')!;
    const text = allText(ws);
    expect(text).toContain('CAPPED: this workbook lists at most 100 detail rows');
    expect(text).toContain('Mismatches shows the first 97 of 250');
    // Named beside the workbook (its own folder), never by a path on the machine that wrote it.
    expect(text).toContain('The complete detail of every difference is in: differences.csv');
    expect(text).not.toContain(outDir);
    const mm = rowWith(ws, 'Mismatches');
    expect([mm.getCell(2).value, mm.getCell(3).value, mm.getCell(4).value]).toEqual([97, 250, 153]);
    const csv = fs.readFileSync(written.csv as string, 'utf8').trimEnd().split('\r\n');
    expect(csv).toHaveLength(1 + diffs.length); // header + one line per difference (each has one field here)
  });
});

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeReconcileReports } from '../../../src/reports/write-reconcile-reports.js';
import { renderMarkdown } from '../../../src/reports/markdown.js';
import type { Difference, TotalLine } from '../../../src/reconcilers/types.js';
import type { Mapping } from '../../../src/config/mapping-schema.js';
import { inventoryMapping, mismatch, sampleDiffs, storeRun, tempStore } from './report-fixture.js';

// What a finance reviewer found opening the demo workbooks in LibreOffice Calc; each test pins one fix.

async function readBook(file: string): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  return wb;
}

function rowWith(ws: ExcelJS.Worksheet, text: string, col = 1): ExcelJS.Row {
  for (let r = 1; r <= ws.rowCount; r++) if (ws.getRow(r).getCell(col).value === text) return ws.getRow(r);
  throw new Error(`no row with "${text}" in ${ws.name}`);
}

function rowsWith(ws: ExcelJS.Worksheet, text: string, col = 1): ExcelJS.Row[] {
  const out: ExcelJS.Row[] = [];
  for (let r = 1; r <= ws.rowCount; r++) if (ws.getRow(r).getCell(col).value === text) out.push(ws.getRow(r));
  return out;
}

/** One file of a zip (an .xlsx), read with the central directory (exceljs streams with data descriptors). */
function zipEntry(file: string, name: string): string {
  const buf = fs.readFileSync(file);
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  let p = buf.readUInt32LE(eocd + 16);
  for (let i = 0; i < buf.readUInt16LE(eocd + 10); i++) {
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const skip = nameLen + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    if (buf.toString('utf8', p + 46, p + 46 + nameLen).replace(/^\//, '') === name) {
      const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
      const data = buf.subarray(start, start + size);
      return (method === 8 ? zlib.inflateRawSync(data) : data).toString('utf8');
    }
    p += 46 + skip;
  }
  throw new Error(`${name} is not in ${file}`);
}

describe('reconciliation workbook, as finance reads it', () => {
  let ctx: Awaited<ReturnType<typeof tempStore>>;
  beforeEach(async () => {
    ctx = await tempStore('sqlite');
  });
  afterEach(async () => ctx.cleanup());

  async function write(diffs: Difference[], opts: { totals?: TotalLine[]; mapping?: Mapping } = {}) {
    const { runId, summary } = await storeRun(ctx.store, diffs);
    if (opts.totals) summary.totals = opts.totals;
    const outDir = path.join(ctx.dir, runId);
    const written = await writeReconcileReports({
      store: ctx.store,
      summary,
      mapping: opts.mapping ?? inventoryMapping,
      runId,
      formats: ['xlsx'],
      outDir,
    });
    return { file: written.xlsx as string, runId };
  }

  it('shows the duration with its decimals (the format is set before the row is committed)', async () => {
    const { file } = await write(sampleDiffs());
    const cell = rowWith((await readBook(file)).getWorksheet('Summary')!, 'Duration (s)').getCell(2);
    expect(cell.value).toBe(90.5);
    expect(cell.numFmt).toBe('#,##0.0');
    const started = rowWith((await readBook(file)).getWorksheet('Summary')!, 'Started').getCell(2);
    expect(started.numFmt).toBe('yyyy-mm-dd hh:mm:ss "UTC"');
    expect(started.alignment?.horizontal).toBe('left'); // under the text values, not far right
  });

  it('masks every kind of credential in the systems it names, not only a URL password', async () => {
    const { runId, summary } = await storeRun(ctx.store, sampleDiffs());
    summary.systems.legacy.url = 'postgres://app:s3cret@legacy-db/erp?sslpassword=k3y';
    summary.systems.cloud.url = 'https://erp.example.com/api?token=abc123&company=1';
    const written = await writeReconcileReports({ store: ctx.store, summary, mapping: inventoryMapping, runId, formats: ['xlsx'], outDir: path.join(ctx.dir, runId) });
    const ws = (await readBook(written.xlsx as string)).getWorksheet('Summary')!;
    const shown = [rowWith(ws, 'Legacy system').getCell(2).value, rowWith(ws, 'Cloud system').getCell(2).value].join(' ');
    expect(shown).toContain('legacy: postgres://app:***@legacy-db/erp');
    expect(shown).toContain('cloud: https://erp.example.com/api?token=***');
    expect(shown).not.toMatch(/s3cret|abc123/);
  });

  it('prices an on hand × unit cost value as money: labelled from its factors, in the currency, at its real digits', async () => {
    const totals: TotalLine[] = [
      { group: 'Inventory value', by: {}, field: 'on_hand*unit_cost', legacy: '106799478.8700000', cloud: '69637182.5750000', difference: '-37162296.2950000', scale: 7 },
    ];
    const { file } = await write(sampleDiffs(), { totals });
    const row = rowWith((await readBook(file)).getWorksheet('Summary')!, 'Inventory value');
    expect(row.getCell(2).value).toBe('On hand × Unit cost');
    expect(row.getCell(4).value).toBe(106799478.87);
    expect(row.getCell(5).value).toBe(69637182.575);
    expect(row.getCell(6).value).toBe(-37162296.295);
    // three digits are really there (…575), so three are shown; never the seven of 3 + 4 scales
    expect(row.getCell(4).numFmt).toBe('[$USD] #,##0.000;[Red]-[$USD] #,##0.000');
  });

  it('shows the same value total in the Markdown report: labelled, in its currency, without the noise digits', async () => {
    const totals: TotalLine[] = [
      { group: 'Inventory value', by: {}, field: 'on_hand*unit_cost', legacy: '106799478.8700000', cloud: '69637182.5700000', difference: '-37162296.3000000', scale: 7 },
    ];
    const { runId, summary } = await storeRun(ctx.store, sampleDiffs());
    summary.totals = totals;
    const md = await renderMarkdown({ store: ctx.store, summary, mapping: inventoryMapping, runId });
    // One number formatter: thousands separators, money at 2 (never the 7 digits of a product's scale).
    expect(md).toContain('| Inventory value | On hand × Unit cost | 106,799,478.87 USD | 69,637,182.57 USD | -37,162,296.30 USD | 37,162,296.30 USD | 1 of 1 |  |');
  });

  it('never adds up amounts in different currencies, and shows each line in its own currency', async () => {
    const mapping: Mapping = {
      ...inventoryMapping,
      fields: { ...inventoryMapping.fields, currency: { type: 'string' }, amount: { type: 'decimal', scale: 2, currency: 'USD', label: 'Amount' } },
    };
    const line = (currency: string, legacy: string, cloud: string, difference: string): TotalLine => ({
      group: 'Amount by currency', by: { currency }, field: 'amount', legacy, cloud, difference, scale: 2,
    });
    const totals = [line('EUR', '100.00', '90.00', '-10.00'), line('USD', '5.00', '5.00', '0.00'), line('EUR', '1.00', '1.00', '0.00')];
    const { file } = await write(sampleDiffs(), { totals, mapping });
    const wb = await readBook(file);
    const summary = rowsWith(wb.getWorksheet('Summary')!, 'Amount by currency');
    expect(summary.map((r) => [r.getCell(4).value, r.getCell(6).value, r.getCell(4).numFmt])).toEqual([
      [101, -10, '[$EUR] #,##0.00;[Red]-[$EUR] #,##0.00'],
      [5, 0, '[$USD] #,##0.00;[Red]-[$USD] #,##0.00'],
    ]);
    const dom = wb.getWorksheet('Amount by currency')!;
    expect(dom.getRow(2).getCell(3).numFmt).toBe('[$EUR] #,##0.00;[Red]-[$EUR] #,##0.00');
    expect(dom.getRow(3).getCell(3).numFmt).toBe('[$USD] #,##0.00;[Red]-[$USD] #,##0.00');
    expect(rowsWith(dom, 'Total').map((r) => r.getCell(3).value)).toEqual([101, 5]);
  });

  it('shows a timestamp shifted by a time zone as hours, not milliseconds', async () => {
    const shifted = mismatch(
      { sku: 'R-1', location: 'STORE-0001' },
      { counted_at: { legacy: '2026-11-13T16:03:21.000Z', cloud: '2026-11-13T11:03:21.000Z', delta: '-18000000' } },
    );
    const { file } = await write([shifted, { ...shifted, key: { sku: 'R-2', location: 'STORE-0001' } }]);
    const mm = (await readBook(file)).getWorksheet('Mismatches')!;
    const header = (mm.getRow(1).values as unknown[]).map(String);
    const col = header.indexOf('counted_at delta (hours)');
    expect(col).toBeGreaterThan(0);
    expect(mm.getRow(2).getCell(col).value).toBe(-5);
    expect(mm.getRow(2).getCell(col).type).toBe(ExcelJS.ValueType.Number);
  });

  it('filters every data row, keeps Total rows out of the filter, and names it so LibreOffice keeps it', async () => {
    const { file } = await write(sampleDiffs());
    const wb = await readBook(file);
    expect(wb.getWorksheet('Mismatches')!.autoFilter).toBe('A1:N3');
    // On_hand by location: 3 lines, a blank row and a Total row; the filter ends at the last line
    const dom = wb.getWorksheet('On_hand by location')!;
    expect(dom.autoFilter).toBe('A1:E4');
    expect(rowWith(dom, 'Total').number).toBe(6);
    const xml = zipEntry(file, 'xl/workbook.xml');
    // sheet-local, as Excel writes them: LibreOffice drops an autofilter without this name
    expect(xml).toContain('<definedName name="_xlnm._FilterDatabase" localSheetId="1">&apos;Mismatches&apos;!$A$1:$N$3</definedName>');
    expect(xml).toContain('<definedName name="_xlnm._FilterDatabase" localSheetId="5">&apos;On_hand by location&apos;!$A$1:$E$4</definedName>');
    expect(xml).toContain('<definedName name="_xlnm.Print_Titles" localSheetId="1">&apos;Mismatches&apos;!$1:$1</definedName>');
  });

  it('prints each sheet landscape, one page wide, with its header row and name on every page', async () => {
    const { file } = await write(sampleDiffs());
    const wb = await readBook(file);
    for (const ws of wb.worksheets) {
      expect(ws.pageSetup).toMatchObject({ orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 });
      expect(ws.headerFooter.oddFooter).toBe('&L&A&RPage &P of &N');
      if (ws.name !== 'Summary') expect(ws.pageSetup.printTitlesRow).toBe('1:1');
    }
  });

  it('has no sheet for a class with nothing to list: the Summary counts it as 0, with no sheet named', async () => {
    const { file } = await write(sampleDiffs().filter((d) => d.type !== 'mismatch'));
    const wb = await readBook(file);
    expect(wb.getWorksheet('Mismatches')).toBeUndefined();
    expect(wb.getWorksheet('Missing in Cloud')).toBeDefined();
    const counts = rowWith(wb.getWorksheet('Summary')!, 'Mismatched');
    expect(counts.getCell(2).value).toBe(0);
    expect(counts.getCell(3).value).toBeNull();
  });

  it('sizes figure columns to the figures as shown and right-aligns their headers', async () => {
    const { file } = await write(sampleDiffs());
    const wb = await readBook(file);
    const mc = wb.getWorksheet('Missing in Cloud')!;
    const unitCost = (mc.getRow(1).values as unknown[]).indexOf('Unit cost');
    expect(mc.getRow(1).getCell(unitCost).alignment?.horizontal).toBe('right');
    expect(mc.getRow(1).getCell(1).alignment?.horizontal).toBe('left');
    const dom = wb.getWorksheet('On_hand by location')!;
    // "10,400.000" is 10 characters; the column holds it with room to spare
    expect(dom.getColumn(3).width).toBeGreaterThanOrEqual(12);
    // Summary: the control-total headers fit their columns
    const summary = wb.getWorksheet('Summary')!;
    expect(summary.getColumn(6).width).toBeGreaterThanOrEqual('Net difference (cloud − legacy)'.length + 2);
  });
});

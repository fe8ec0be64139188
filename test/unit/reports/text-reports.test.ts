import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeReconcileReports, parseReportFormats } from '../../../src/reports/write-reconcile-reports.js';
import { csvCell } from '../../../src/reports/csv-escape.js';
import { mdText } from '../../../src/reports/markdown.js';
import { renderReconcileSummary } from '../../../src/reconcilers/render-summary.js';
import { totalsSummary } from '../../../src/reports/control-totals.js';
import { UsageError } from '../../../src/errors.js';
import { streamDifferences } from '../../../src/store/differences.js';
import type { ControlStore } from '../../../src/store/control-store.js';
import { inventoryMapping, manyMismatches, sampleDiffs, storeRun, tempStore } from './report-fixture.js';

let ctx: Awaited<ReturnType<typeof tempStore>>;
let store: ControlStore;
beforeEach(async () => {
  ctx = await tempStore();
  store = ctx.store;
});
afterEach(async () => ctx.cleanup());

describe('csvCell (OWASP CSV injection)', () => {
  it('prefixes text that a spreadsheet would evaluate', () => {
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvCell('+1+cmd|x')).toBe("'+1+cmd|x");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('\rx')).toBe(`"'\rx"`);
    expect(csvCell('plain')).toBe('plain');
  });
  it('leaves a plain negative decimal alone only in a numeric column', () => {
    expect(csvCell('-1.50', true)).toBe('-1.50');
    expect(csvCell('-1.50')).toBe("'-1.50");
    expect(csvCell('-1+1', true)).toBe("'-1+1");
    expect(csvCell('-1e5', true)).toBe("'-1e5");
  });
});

describe('mdText', () => {
  it('keeps ERP text from breaking a table or becoming a link', () => {
    expect(mdText('a|b [x](http://evil) <b>\nz')).toBe('a\\|b \\[x\\](http://evil) \\<b\\> z');
    expect(mdText(null)).toBe('∅');
  });
});

describe('parseReportFormats', () => {
  it('accepts a comma list and names a bad format', () => {
    expect(parseReportFormats(['xlsx,md', 'json'])).toEqual(['xlsx', 'md', 'json']);
    expect(() => parseReportFormats(['xlsx,pdf'])).toThrow(UsageError);
    expect(() => parseReportFormats(['pdf'])).toThrow(/"pdf" is not a report format/);
  });
});

describe('CSV, JSON and Markdown reports', () => {
  it('differences.csv holds every difference, escaped, with numbers left numeric', async () => {
    const { runId, summary } = await storeRun(store, sampleDiffs());
    const out = await writeReconcileReports({ store, summary, mapping: inventoryMapping, runId, formats: ['csv'], outDir: ctx.dir });
    const lines = fs.readFileSync(out.csv as string, 'utf8').split('\r\n');
    expect(lines[0]).toBe('seq,type,sku,location,field,legacy,cloud,delta,side,count');
    expect(lines).toContain('1,mismatch,A-100,DC-EAST,on_hand,10.000,9.000,-1.000,,');
    expect(lines).toContain(`1,mismatch,A-100,DC-EAST,description,Blue mug,"'=HYPERLINK(""http://x"",""y"")",,,`);
    // a text key that looks like a number is escaped; the numeric delta is not
    expect(lines.find((l) => l.startsWith('2,'))).toBe("2,mismatch,'-5,DC-WEST,big,12345678901234567.1234,12345678901234568.1234,1.0000,,");
    expect(lines.find((l) => l.startsWith('5,'))).toMatch(/^5,duplicate_key,D-400,DC-EAST,,,".*",,cloud,2$/);
    const seqs = new Set(lines.slice(1).filter(Boolean).map((l) => l.split(',')[0]));
    expect(seqs.size).toBe(sampleDiffs().length);
  });

  it('reconciliation.json is the run summary', async () => {
    const { runId, summary } = await storeRun(store, sampleDiffs());
    const out = await writeReconcileReports({ store, summary, runId, formats: ['json'], outDir: ctx.dir });
    // The summary, with `totalsSummary` computed from its lines when the stored summary predates it.
    expect(JSON.parse(fs.readFileSync(out.json as string, 'utf8'))).toEqual({ ...summary, totalsSummary: totalsSummary(summary.totals) });
    expect(totalsSummary(summary.totals).find((t) => t.group === 'on_hand by location')).toEqual({
      group: 'on_hand by location', field: 'on_hand', lines: 3, linesWithVariance: 2,
      legacy: '15398.625', cloud: '15388.125', difference: '-10.500', absDifference: '13.500',
      largest: { by: { location: 'DC-EAST' }, difference: '-12.000' },
    });
  });

  it('reconciliation.md gives the verdict, the totals that differ and the top differences', async () => {
    const { runId, summary } = await storeRun(store, [...sampleDiffs(), ...manyMismatches(30)]);
    const out = await writeReconcileReports({ store, summary, mapping: inventoryMapping, runId, formats: ['md'], outDir: path.join(ctx.dir, 'x') });
    const md = fs.readFileSync(out.md as string, 'utf8');
    expect(md).toMatch(/^## ❌ FAIL — reconciliation inventory/);
    expect(md).toContain(`Run: \`${runId}\``);
    // Net, absolute (offsetting lines do not cancel), lines with a variance and the largest line.
    expect(md).toContain('| On\\_hand by location | On hand | 15,398.625 | 15,388.125 | -10.500 | 13.500 | 2 of 3 | location DC-EAST: -12 |');
    expect(md).toContain('### Control-total lines that differ (3)');
    expect(md).toContain('| On\\_hand by location | DC-EAST | On hand | 10,400 | 10,388 | -12 |');
    expect(md).not.toContain('DC-WEST | On hand | 5,000.125');
    expect(md).toContain('### First 20 of 35 differences');
    expect(md).toContain('| mismatch | A-100 / DC-EAST | Description | Blue mug | =HYPERLINK("http://x","y") |  |');
    expect(md).toContain('| missing in cloud | B-200 / STORE-0042 |');
    expect(md.split('\n').filter((l) => /^\| (mismatch|missing|duplicate)/.test(l)).length).toBeGreaterThanOrEqual(20);
  });
});

describe('a clean run whose control totals differ', () => {
  it('says so beside the verdict, in the text summary and the Markdown report', async () => {
    const { runId, summary } = await storeRun(store, []);
    // Every row within tolerance, yet the tolerated differences add up in a total.
    const clean = { ...summary, status: 'clean' as const, totalsSummary: totalsSummary(summary.totals) };
    // Two totals differ: on_hand by location (net -10.500, absolute 13.500) and inventory value.
    const text = renderReconcileSummary(clean);
    expect(text.split('\n')[0]).toBe(
      `inventory (${runId}): CLEAN (every row within tolerance, but 2 control totals differ; Inventory value unit_cost: net -56.77, absolute 56.77)`,
    );
    expect(text).toContain('    On_hand by location on_hand: net -10.5, absolute 13.5; 2 of 3 lines differ, largest location DC-EAST: -12');
    const out = await writeReconcileReports({ store, summary: clean, mapping: inventoryMapping, runId, formats: ['md'], outDir: path.join(ctx.dir, 'c') });
    const md = fs.readFileSync(out.md as string, 'utf8');
    expect(md).toMatch(/^## ✅ PASS — reconciliation inventory/);
    expect(md).toContain('> Every row is within tolerance, but 2 control totals differ; Inventory value unit\\_cost: net -56.77, absolute 56.77');
    // With every total equal there is nothing to add.
    const evenTotals = clean.totals.map((t) => ({ ...t, cloud: t.legacy, difference: '0.000' }));
    const even = { ...clean, totals: evenTotals, totalsSummary: totalsSummary(evenTotals) };
    expect(renderReconcileSummary(even).split('\n')[0]).toBe(`inventory (${runId}): CLEAN`);
  });

  it('says so when the net difference is zero but lines offset each other', async () => {
    const { runId, summary } = await storeRun(store, []);
    const totals = [
      { group: 'trial balance', by: { account: '101000' }, field: 'balance', legacy: '100.00', cloud: '118.50', difference: '18.50', scale: 2 },
      { group: 'trial balance', by: { account: '112000' }, field: 'balance', legacy: '50.00', cloud: '31.50', difference: '-18.50', scale: 2 },
    ];
    const clean = { ...summary, status: 'clean' as const, totals, totalsSummary: totalsSummary(totals) };
    expect(clean.totalsSummary[0]).toMatchObject({ difference: '0.00', absDifference: '37.00', linesWithVariance: 2 });
    expect(renderReconcileSummary(clean).split('\n')[0]).toBe(
      `inventory (${runId}): CLEAN (every row within tolerance, but 1 control total differs; Trial balance balance: net 0, absolute 37)`,
    );
  });
});

describe('streamDifferences', () => {
  it('pages through a type in seq order, honouring a limit across pages', async () => {
    const diffs = [...manyMismatches(30), ...sampleDiffs()];
    const { runId } = await storeRun(store, diffs);
    const seen: number[] = [];
    for await (const { seq, diff } of streamDifferences(store, runId, { type: 'mismatch', pageSize: 7, limit: 25 })) {
      expect(diff.type).toBe('mismatch');
      seen.push(seq);
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    const all: number[] = [];
    for await (const { seq } of streamDifferences(store, runId, { pageSize: 4 })) all.push(seq);
    expect(all).toEqual(Array.from({ length: diffs.length }, (_, i) => i + 1));
  });
});

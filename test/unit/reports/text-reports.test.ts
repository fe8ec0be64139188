import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeReconcileReports, parseReportFormats } from '../../../src/reports/write-reconcile-reports.js';
import { csvCell } from '../../../src/reports/csv-escape.js';
import { mdText } from '../../../src/reports/markdown.js';
import { renderReconcileSummary } from '../../../src/reconcilers/render-summary.js';
import { UsageError } from '../../../src/errors.js';
import { streamDifferences } from '../../../src/reports/difference-source.js';
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
    expect(JSON.parse(fs.readFileSync(out.json as string, 'utf8'))).toEqual(summary);
  });

  it('reconciliation.md gives the verdict, the totals that differ and the top differences', async () => {
    const { runId, summary } = await storeRun(store, [...sampleDiffs(), ...manyMismatches(30)]);
    const out = await writeReconcileReports({ store, summary, mapping: inventoryMapping, runId, formats: ['md'], outDir: path.join(ctx.dir, 'x') });
    const md = fs.readFileSync(out.md as string, 'utf8');
    expect(md).toMatch(/^## ❌ FAIL — reconciliation inventory/);
    expect(md).toContain(`Run: \`${runId}\``);
    expect(md).toContain('| on\\_hand by location | On hand | 15398.625 | 15388.125 | -10.500 |');
    expect(md).toContain('### Control-total lines that differ (3)');
    expect(md).toContain('| on\\_hand by location | DC-EAST | On hand | 10400.000 | 10388.000 | -12.000 |');
    expect(md).not.toContain('DC-WEST | On hand | 5000.125');
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
    const clean = { ...summary, status: 'clean' as const };
    expect(clean.totals.some((t) => !/^-?0(\.0+)?$/.test(t.difference))).toBe(true);
    const n = clean.totals.filter((t) => !/^-?0(\.0+)?$/.test(t.difference)).length;
    const text = renderReconcileSummary(clean);
    expect(text.split('\n')[0]).toBe(
      `inventory (${runId}): CLEAN (every row within tolerance, but ${n} control total${n === 1 ? ' differs' : 's differ'})`,
    );
    const out = await writeReconcileReports({ store, summary: clean, mapping: inventoryMapping, runId, formats: ['md'], outDir: path.join(ctx.dir, 'c') });
    const md = fs.readFileSync(out.md as string, 'utf8');
    expect(md).toMatch(/^## ✅ PASS — reconciliation inventory/);
    expect(md).toContain(`> Every row is within tolerance, but ${n} control total`);
    // With every total equal there is nothing to add.
    const even = { ...clean, totals: clean.totals.map((t) => ({ ...t, cloud: t.legacy, difference: '0.000' })) };
    expect(renderReconcileSummary(even).split('\n')[0]).toBe(`inventory (${runId}): CLEAN`);
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

import { localUrlParts } from '../adapters/url-paths.js';
import path from 'node:path';
import type ExcelJS from 'exceljs';
import type { Mapping } from '../config/mapping-schema.js';
import type { ReconcileSummary } from '../reconcilers/types.js';
import { redact } from '../util/redact.js';
import { cleanButDiffers, differingTotalsWhenClean, groupLabel, liveLines, stoppedText } from '../reconcilers/render-summary.js';
import { materialityText } from '../reconcilers/materiality.js';
import { signoffLines } from './signoff-text.js';
import { controlTotals, type ControlTotal } from './control-totals.js';
import type { FieldKinds } from './field-kinds.js';
import { writeFigures } from './domain-sheets.js';
import { TIMESTAMP_FORMAT, type StyleCache } from './sheet-writer.js';

/** What the detail sheets held, for the Summary's "what is in this workbook" section. */
export interface SheetCoverage {
  sheet: string;
  shown: number;
  total: number;
}

/** Everything the Summary sheet shows besides the run summary itself. */
export interface SummaryExtras {
  coverage: SheetCoverage[];
  cap: number;
  completeDetail: string[];
  domainSheets: Map<string, string>;
  omittedFieldValues: number;
}

const COUNT_FMT = '#,##0';
const TITLE: Partial<ExcelJS.Style> = { font: { bold: true, size: 16 } };
const SECTION: Partial<ExcelJS.Style> = { font: { bold: true, size: 12 }, border: { bottom: { style: 'thin' } } };
const PASS: Partial<ExcelJS.Style> = {
  font: { bold: true, size: 20, color: { argb: 'FFFFFFFF' } },
  fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FF2E7D32' } },
  alignment: { horizontal: 'center', vertical: 'middle' },
};
const FAIL: Partial<ExcelJS.Style> = { ...PASS, fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFC62828' } } };
const WARN: Partial<ExcelJS.Style> = { font: { bold: true, color: { argb: 'FFC62828' } } };

/**
 * The control totals the Summary lists, each figure once: a one-line total with the same field,
 * currency and figures as one listed before it (the refunds domain's "refund amount variance" beside
 * the mapping's own grand total) is named beside that row instead of repeating it.
 */
function withoutRepeats(totals: readonly ControlTotal[]): { total: ControlTotal; alias: string[] }[] {
  const out: { total: ControlTotal; alias: string[] }[] = [];
  const seen = new Map<string, { total: ControlTotal; alias: string[] }>();
  for (const t of totals) {
    const id = JSON.stringify([t.field, t.currency ?? '', t.legacy, t.cloud, t.difference]);
    const earlier = seen.get(id);
    if (earlier && t.lines === 1) {
      earlier.alias.push(t.group);
      continue;
    }
    const entry = { total: t, alias: [] as string[] };
    out.push(entry);
    if (!earlier && t.lines === 1) seen.set(id, entry);
  }
  return out;
}

/** A system's URL for finance: a local file (SQLite, a CSV folder) by its name only, a server's URL redacted. */
export function systemText(url: string): string {
  const local = localUrlParts(url);
  return local ? `${local.scheme}: ${path.basename(local.path)}` : redact(url);
}

/** What a side read: its table, or for a mapping's own SQL "a SQL query (in the mapping)". */
export function sourceText(source: string): string {
  return source === 'query' ? 'a SQL query (in the mapping)' : source;
}

/** "account 112000, period 2026-11": the line a largest difference is on. */
function largestText(by: Record<string, string | null>): string {
  const parts = Object.entries(by).map(([k, v]) => `${k} ${v ?? '(empty)'}`);
  return parts.join(', ') || 'the grand total';
}

/** A cell that is a link to another sheet of this workbook (a HYPERLINK formula: it works in Excel and LibreOffice alike). */
export function sheetLink(cell: ExcelJS.Cell, sheet: string): void {
  const target = `#'${sheet.replace(/'/g, "''")}'!A1`.replace(/"/g, '""');
  cell.value = { formula: `HYPERLINK("${target}","${sheet.replace(/"/g, '""')}")`, result: sheet };
  cell.style = LINK;
}

const LINK: Partial<ExcelJS.Style> = { font: { color: { argb: 'FF0563C1' }, underline: true }, alignment: { horizontal: 'left', indent: 1 } };

/** Fills the Summary sheet: the run, pass/fail, counts, control totals, top fields, and what was capped. */
export function writeSummarySheet(
  ws: ExcelJS.Worksheet,
  styles: StyleCache,
  summary: ReconcileSummary,
  kinds: FieldKinds,
  extras: SummaryExtras,
  mapping?: Mapping,
): void {
  // Wide enough for the control-total headers and a nine-figure amount with its currency code.
  [30, 24, 15, 24, 24, 33, 24, 14, 28, 24, 28].forEach((w, i) => (ws.getColumn(i + 1).width = w));
  const add = (values: unknown[] = [], style?: Partial<ExcelJS.Style>) => {
    const row = ws.addRow([]);
    values.forEach((v, i) => {
      const cell = row.getCell(i + 1);
      // Text right after a figure is indented, so "527" and "Mismatches" do not run together.
      if (typeof v === 'string' && typeof values[i - 1] === 'number') styles.indented(cell, v);
      else if (typeof v === 'string') styles.text(cell, v);
      else if (v !== undefined && v !== null) cell.value = v as ExcelJS.CellValue;
      if (typeof v === 'number') cell.style = styles.get(COUNT_FMT);
      if (v instanceof Date) cell.style = styles.left(TIMESTAMP_FORMAT + ' "UTC"');
      if (style && v !== undefined) cell.style = { ...cell.style, ...style };
    });
    row.commit();
    return row;
  };
  /** A titled table; `figures` are the indexes of its numeric columns, whose headers sit right. */
  const section = (title: string, headers: string[], figures: number[] = []) => {
    add();
    add([title], SECTION);
    const row = ws.addRow(headers);
    row.eachCell((c, i) =>
      // A text header right after a figures' header is indented, like the text under it.
      (c.style = styles.header(figures.includes(i - 1) ? 'right' : figures.includes(i - 2) ? 'indent' : 'left')),
    );
    row.commit();
  };

  add([`Reconciliation: ${summary.name}`], TITLE);
  const pass = summary.status === 'clean';
  const result = ws.addRow(['Result', pass ? 'PASS' : 'FAIL']);
  result.height = 32;
  result.getCell(1).style = { font: { bold: true } };
  result.getCell(2).style = pass ? PASS : FAIL;
  result.commit();
  const odd = differingTotalsWhenClean(summary);
  add([
    '',
    !pass
      ? 'Differences found: see the class sheets and control totals below.'
      : odd
        ? `No row differs beyond tolerance, but ${cleanButDiffers(summary)}: see the control totals below.`
        : 'No difference beyond tolerance.',
  ]);
  if (summary.stopped) add(['', `Stopped: ${stoppedText(summary.stopped.maxDifferences)}`]);
  // Beside the differences, never instead of them: the figures stay in the sheets below.
  if (summary.materiality) add(['Materiality', capitalized(materialityText(summary.materiality))]);
  signoffLines(summary).forEach((line, i) => add([i ? '' : 'Sign-off', line]));
  const liveLabel: Record<string, string> = { recheck: 'Recheck', confirm: 'Confirm pass', settle: 'Settle window' };
  for (const [label, text] of liveLines(summary)) add([liveLabel[label] ?? label, capitalized(text)]);
  add(['Run id', summary.runId]);
  // Finance reads this: the mapping's file name, not a path on the machine that ran it.
  add(['Mapping', [summary.name, mapping?.file && path.basename(mapping.file)].filter(Boolean).join(' — ')]);
  if (summary.domain) add(['Domain', summary.domain]);
  for (const side of ['legacy', 'cloud'] as const) {
    const s = summary.systems[side];
    add([`${side === 'legacy' ? 'Legacy' : 'Cloud'} system`, `${s.connection}: ${systemText(s.url)}`]);
    add([`${side === 'legacy' ? 'Legacy' : 'Cloud'} source`, `${sourceText(s.source)} (${s.rows.toLocaleString('en-US')} rows)`]);
  }
  const w = summary.window;
  add(['Window', w ? `${w.field} from ${w.since ?? '(start)'} until ${w.until ?? '(now)'}` : 'all rows']);
  add(['Started', new Date(summary.startedAt)]);
  add(['Finished', new Date(summary.finishedAt)]);
  // Styled before the row is committed: the streaming writer ignores changes to a committed row.
  const duration = ws.addRow([]);
  styles.text(duration.getCell(1), 'Duration (s)');
  duration.getCell(2).value = summary.durationMs / 1000;
  duration.getCell(2).style = styles.left('#,##0.0');
  duration.commit();

  section('Counts', ['Class', 'Count', 'Sheet'], [1]);
  const c = summary.counts;
  const sheetOf = (name: string) => extras.coverage.find((x) => x.sheet === name)?.sheet ?? '';
  add(['Legacy rows', c.legacy]);
  add(['Cloud rows', c.cloud]);
  add(['Matched', c.matched]);
  add(['Mismatched', c.mismatched, sheetOf('Mismatches')]);
  add(['Missing in cloud', c.missingInCloud, sheetOf('Missing in Cloud')]);
  add(['Missing in legacy', c.missingInLegacy, sheetOf('Missing in Legacy')]);
  add(['Duplicate keys', c.duplicateKeys, sheetOf('Duplicates')]);
  if (c.unbalancedJournals !== undefined) add(['Unbalanced journals', c.unbalancedJournals, sheetOf('Unbalanced Journals')]);

  section(
    'Control totals',
    ['Group', 'Field', 'Lines', 'Legacy', 'Cloud', 'Net difference (cloud − legacy)', 'Absolute difference', 'Lines with variance', 'Largest line', 'Largest line difference', 'Detail sheet'],
    [2, 3, 4, 5, 6, 7, 9],
  );
  for (const { total: t, alias } of withoutRepeats(controlTotals(summary.totals, mapping))) {
    const row = ws.addRow([]);
    styles.text(row.getCell(1), groupLabel(t.group) + alias.map((a) => ` (= ${groupLabel(a)})`).join(''));
    styles.text(row.getCell(2), kinds.get(t.field).label);
    row.getCell(3).value = t.lines;
    row.getCell(3).style = styles.get(COUNT_FMT);
    writeFigures(styles, row, 4, t, t.scale, t.currency);
    // What the net figure can hide: offsetting line differences add up here instead of cancelling.
    const figure = { kind: 'number' as const, scale: t.scale, currency: t.currency, label: '' };
    const varies = t.linesWithVariance > 0;
    styles.put(row.getCell(7), t.absDifference, figure, varies);
    row.getCell(8).value = t.linesWithVariance;
    row.getCell(8).style = styles.get(COUNT_FMT);
    if (t.largest && t.lines > 1) {
      styles.indented(row.getCell(9), largestText(t.largest.by));
      styles.put(row.getCell(10), t.largest.difference, figure, true);
    }
    const sheet = extras.domainSheets.get(t.group);
    if (sheet) sheetLink(row.getCell(11), sheet);
    row.commit();
  }
  if (summary.totals.length === 0) add(['(this mapping defines no control totals)']);

  section('Fields with most mismatches', ['Field', 'Label', 'Mismatches'], [2]);
  const top = Object.entries(summary.fieldMismatches)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10);
  for (const [field, n] of top) add([field, kinds.get(field).label, n]);
  if (top.length === 0) add(['(none)']);

  section('Detail in this workbook', ['Sheet', 'Rows shown', 'Rows in run', 'Not shown'], [1, 2, 3]);
  for (const x of extras.coverage) add([x.sheet, x.shown, x.total, x.total - x.shown], x.shown < x.total ? WARN : undefined);
  const capped = extras.coverage.filter((x) => x.shown < x.total);
  add();
  if (capped.length > 0) {
    add(
      [
        `CAPPED: this workbook lists at most ${extras.cap.toLocaleString('en-US')} detail rows (report.xlsxDetailRowCap in cutover.yaml); ` +
          capped.map((x) => `${x.sheet} shows the first ${x.shown.toLocaleString('en-US')} of ${x.total.toLocaleString('en-US')} (by sequence)`).join('; ') +
          '.',
      ],
      WARN,
    );
    add([`The complete detail of every difference is in: ${extras.completeDetail.join(' and ')}.`], WARN);
  } else add(['Every difference of this run is listed on the class sheets.']);
  const n = styles.notes;
  if (n.textNumbers > 0)
    add([`${n.textNumbers} numbers have more than 15 significant digits and are written as text (with a cell note) so no digit is lost.`]);
  if (n.truncatedCells > 0) add([`${n.truncatedCells} cells were cut at Excel's 32,767-character limit; the full values are in the complete detail.`], WARN);
  if (extras.omittedFieldValues > 0)
    add([`${extras.omittedFieldValues} field values had no column on their sheet; they are in the complete detail.`], WARN);
  add(['Timestamps are UTC. Variance = cloud − legacy. Absolute difference = the sum of every line’s |variance|: offsetting errors do not cancel there.']);
  ws.commit();
}

/** "within materiality: …" → "Within materiality: …" (a cell reads as a sentence). */
function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

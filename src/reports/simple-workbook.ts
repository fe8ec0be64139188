import ExcelJS from 'exceljs';
import type { FieldKind } from './field-kinds.js';
import { writeAtomically } from './atomic-file.js';
import { EXCEL_MAX_ROWS, StyleCache, openDetailSheet, TIMESTAMP_FORMAT, DETAIL_PAGE_SETUP, PAGE_FOOTER } from './sheet-writer.js';
import { SheetNames } from './sheet-names.js';
import { OutputFile } from './output-file.js';

/** A column of a table sheet. Number values are decimal strings (exact) or JS numbers (counts). */
export interface TableColumn {
  key: string;
  header: string;
  kind?: 'text' | 'number' | 'date' | 'timestamp';
  /** number: digits after the point for its number format (default: 0). */
  scale?: number;
  /** number: currency code for a money format. */
  currency?: string;
  width?: number;
}

/** A table cell value: text, a decimal string or number for number columns, an ISO string or Date for dates. */
export type TableValue = string | number | Date | null | undefined;
export type TableRow = Record<string, TableValue>;

/** One sheet of typed rows (streamed: an array, a generator or an async generator). */
export interface TableSheet {
  name: string;
  columns: TableColumn[];
  rows: Iterable<TableRow> | AsyncIterable<TableRow>;
  /** Rows for which this is true are highlighted (failed, conflict, left for a person...). */
  highlight?: (row: TableRow) => boolean;
  /** At most this many rows are written (default and ceiling: Excel's limit); the rest are counted and the Summary says so. */
  rowCap?: number;
  /** Columns frozen at the left (default 1). */
  frozenColumns?: number;
}

/** One key/value line of the Summary; amounts keep their scale and currency. */
export interface SummaryItem {
  label: string;
  value: TableValue;
  kind?: TableColumn['kind'];
  scale?: number;
  currency?: string;
}

/** What writeTableWorkbook wrote, per sheet. */
export interface TableWorkbookResult {
  file: string;
  sheets: { name: string; shown: number; total: number }[];
}

/**
 * Writes a report workbook in the reconciliation workbook's style for replay, rollback and other
 * runs: a Summary (title, a big PASS/FAIL when `status` is given, key/value lines with amounts,
 * then what each sheet holds and what was capped) and one sheet per table, with frozen headers,
 * autofilter, numbers as numbers and ERP text as inert text. Temp file, then rename.
 */
export async function writeTableWorkbook(opts: {
  file: string;
  title: string;
  status?: { pass: boolean; text?: string };
  summary: SummaryItem[];
  sheets: TableSheet[];
  /** Where the complete detail is when a sheet is capped (named on the Summary). */
  completeDetail?: string[];
}): Promise<TableWorkbookResult> {
  const result: TableWorkbookResult = { file: opts.file, sheets: [] };
  await writeAtomically(opts.file, async (tmp) => {
    const out = new OutputFile(tmp);
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out.stream, useStyles: true, useSharedStrings: false });
    wb.creator = 'cutover';
    const styles = new StyleCache();
    const names = new SheetNames();
    const summary = wb.addWorksheet(names.take('Summary'), { pageSetup: DETAIL_PAGE_SETUP, headerFooter: PAGE_FOOTER });
    for (const sheet of opts.sheets) {
      const name = names.take(sheet.name);
      const specs = sheet.columns.map((c) => ({ ...c, numeric: c.kind === 'number' }));
      const ws = openDetailSheet(wb, styles, name, specs, sheet.frozenColumns ?? 1);
      const cap = Math.min(sheet.rowCap ?? EXCEL_MAX_ROWS - 1, EXCEL_MAX_ROWS - 1);
      let shown = 0;
      let total = 0;
      for await (const values of sheet.rows) {
        total++;
        if (shown >= cap) continue;
        out.check();
        const row = ws.addRow([]);
        const hl = sheet.highlight?.(values) ?? false;
        sheet.columns.forEach((c, i) => putValue(styles, row.getCell(i + 1), values[c.key], kindOf(c), hl));
        row.commit();
        shown++;
      }
      ws.commit();
      result.sheets.push({ name, shown, total });
    }
    writeSummary(summary, styles, opts, result.sheets);
    await out.commit(wb);
  });
  return result;
}

function kindOf(c: { kind?: TableColumn['kind']; scale?: number; currency?: string; header?: string }): FieldKind {
  return { kind: c.kind ?? 'text', scale: c.scale ?? 0, currency: c.currency, label: c.header ?? '' };
}

function putValue(styles: StyleCache, cell: ExcelJS.Cell, v: TableValue, kind: FieldKind, hl: boolean): void {
  if (v instanceof Date) {
    cell.value = v;
    cell.style = styles.get(kind.kind === 'date' ? 'yyyy-mm-dd' : TIMESTAMP_FORMAT, { highlight: hl });
  } else if (typeof v === 'number') styles.put(cell, String(v), kind.kind === 'number' ? kind : { ...kind, kind: 'number' }, hl);
  else styles.put(cell, v, kind, hl);
}

const TITLE: Partial<ExcelJS.Style> = { font: { bold: true, size: 16 } };
const BIG = (argb: string): Partial<ExcelJS.Style> => ({
  font: { bold: true, size: 20, color: { argb: 'FFFFFFFF' } },
  fill: { type: 'pattern', pattern: 'solid', fgColor: { argb } },
  alignment: { horizontal: 'center', vertical: 'middle' },
});
const WARN: Partial<ExcelJS.Style> = { font: { bold: true, color: { argb: 'FFC62828' } } };

function writeSummary(
  ws: ExcelJS.Worksheet,
  styles: StyleCache,
  opts: Parameters<typeof writeTableWorkbook>[0],
  sheets: TableWorkbookResult['sheets'],
): void {
  // Column A fits the longest label ("refund.issued: amount (replay's net effect)"), within reason.
  const labels = [...opts.summary.map((i) => i.label), ...sheets.map((s) => s.name)];
  const first = Math.min(60, Math.max(32, ...labels.map((l) => l.length + 2)));
  [first, 28, 14, 14].forEach((w, i) => (ws.getColumn(i + 1).width = w));
  const line = (label: string, value?: TableValue, kind?: FieldKind, style?: Partial<ExcelJS.Style>) => {
    const row = ws.addRow([]);
    styles.text(row.getCell(1), label);
    if (value !== undefined) putValue(styles, row.getCell(2), value, kind ?? { kind: 'text', scale: 0, label: '' }, false);
    if (style) row.getCell(1).style = style;
    row.commit();
    return row;
  };
  line(opts.title, undefined, undefined, TITLE);
  if (opts.status) {
    const row = ws.addRow(['Result', opts.status.pass ? 'PASS' : 'FAIL']);
    row.height = 32;
    row.getCell(2).style = BIG(opts.status.pass ? 'FF2E7D32' : 'FFC62828');
    row.commit();
    if (opts.status.text) line('', opts.status.text);
  }
  for (const item of opts.summary)
    line(item.label, item.value, kindOf({ kind: item.kind ?? (typeof item.value === 'number' ? 'number' : undefined), scale: item.scale, currency: item.currency }));
  ws.addRow([]).commit();
  const head = ws.addRow(['Sheet', 'Rows shown', 'Rows in all', 'Not shown']);
  head.eachCell((c) => (c.style = styles.header()));
  head.commit();
  const count = { kind: 'number' as const, scale: 0, label: '' };
  for (const s of sheets) {
    const row = ws.addRow([]);
    styles.text(row.getCell(1), s.name);
    [s.shown, s.total, s.total - s.shown].forEach((n, i) => styles.put(row.getCell(i + 2), String(n), count));
    row.commit();
  }
  const capped = sheets.filter((s) => s.shown < s.total);
  if (capped.length > 0) {
    line(`CAPPED: ${capped.map((s) => `${s.name} shows the first ${s.shown} of ${s.total} rows`).join('; ')}.`, undefined, undefined, WARN);
    if (opts.completeDetail?.length) line(`The complete detail is in: ${opts.completeDetail.join(' and ')}.`, undefined, undefined, WARN);
  }
  ws.commit();
}

import type ExcelJS from 'exceljs';
import type { CanonicalValue } from '../reconcilers/types.js';
import { cellText } from './cell-text.js';
import { parseDateValue, type FieldKind } from './field-kinds.js';
import { numberFormat, significantDigits } from './number-format.js';
import { isCanonicalDecimal } from '../util/exact-decimal.js';

/** Excel's last row; a sheet holds a header row and at most this many minus one data rows. */
export const EXCEL_MAX_ROWS = 1_048_576;

const HIGHLIGHT: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFC7CE' } };
const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9E1F2' } };
export const DATE_FORMAT = 'yyyy-mm-dd';
export const TIMESTAMP_FORMAT = 'yyyy-mm-dd hh:mm:ss';

/** What the writers counted while writing, for the Summary's notes. */
export interface WriteNotes {
  /** Numbers with more than 15 significant digits, written as text so no digit is lost. */
  textNumbers: number;
  /** Cells cut at Excel's 32,767-character limit. */
  truncatedCells: number;
}

/**
 * Shared style objects, one per look: exceljs copies nothing when a cell's style is assigned, so
 * reusing objects keeps a big sheet's memory down, and never mutating them keeps cells independent.
 */
export class StyleCache {
  private readonly styles = new Map<string, Partial<ExcelJS.Style>>();
  readonly notes: WriteNotes = { textNumbers: 0, truncatedCells: 0 };

  /** The style for a number format, optionally highlighted or bold. */
  get(numFmt: string | undefined, opts: { highlight?: boolean; bold?: boolean } = {}): Partial<ExcelJS.Style> {
    const id = (opts.highlight ? 'h' : '-') + (opts.bold ? 'b' : '-') + (numFmt ?? '');
    let style = this.styles.get(id);
    if (!style) {
      style = {};
      if (numFmt) style.numFmt = numFmt;
      // A figure keeps a space on its right, so it never runs into the text of the next column.
      if (numFmt && numFmt !== '@') style.alignment = { horizontal: 'right', indent: 1 };
      if (opts.highlight) style.fill = HIGHLIGHT;
      if (opts.bold) style.font = { bold: true };
      this.styles.set(id, style);
    }
    return style;
  }

  /** The header cell style; right-aligned over a column of figures, so the title sits above the digits. */
  header(align: 'left' | 'right' | 'indent' = 'left'): Partial<ExcelJS.Style> {
    let style = this.styles.get(`header-${align}`);
    if (!style) {
      style = {
        font: { bold: true },
        fill: HEADER_FILL,
        border: { bottom: { style: 'thin' } },
        alignment: {
          vertical: 'middle',
          wrapText: true,
          horizontal: align === 'right' ? 'right' : 'left',
          indent: align === 'left' ? 0 : 1,
        },
      };
      this.styles.set(`header-${align}`, style);
    }
    return style;
  }

  /** Text with a little indent, for a label column that follows a column of right-aligned figures. */
  indented(cell: ExcelJS.Cell, value: string): void {
    this.text(cell, value);
    let style = this.styles.get('indent');
    if (!style) this.styles.set('indent', (style = { alignment: { horizontal: 'left', indent: 1 } }));
    cell.style = style;
  }

  /** A date or figure shown at the left of a key/value line, under the other values' text. */
  left(numFmt: string): Partial<ExcelJS.Style> {
    const id = `left-${numFmt}`;
    let style = this.styles.get(id);
    if (!style) this.styles.set(id, (style = { numFmt, alignment: { horizontal: 'left' } }));
    return style;
  }

  /**
   * Writes one canonical value into a cell as its kind says: a number (with the field's scale as its
   * format), a date, or text. Text is always a plain string value, so ERP text such as
   * `=HYPERLINK(...)` is stored as an inert string, never as a formula.
   */
  put(cell: ExcelJS.Cell, value: CanonicalValue | undefined, kind: FieldKind, highlight = false): void {
    if (value === null || value === undefined) {
      if (highlight) cell.style = this.get(undefined, { highlight });
      return;
    }
    if (kind.kind === 'number' && isCanonicalDecimal(value)) {
      if (significantDigits(value) > 15) {
        this.notes.textNumbers++;
        cell.value = value;
        cell.style = this.get('@', { highlight });
        cell.note = 'Exact value written as text: it has more than 15 significant digits, which Excel would round.';
        return;
      }
      cell.value = Number(value);
      cell.style = this.get(numberFormat(kind.scale, kind.currency), { highlight });
      return;
    }
    if (kind.kind === 'date' || kind.kind === 'timestamp') {
      const date = parseDateValue(value);
      if (date) {
        cell.value = date;
        cell.style = this.get(kind.kind === 'date' ? DATE_FORMAT : TIMESTAMP_FORMAT, { highlight });
        return;
      }
    }
    this.text(cell, value, highlight);
  }

  /** Writes ERP or free text as an inert string value. */
  text(cell: ExcelJS.Cell, value: string, highlight = false): void {
    const { text, truncated } = cellText(value);
    if (truncated) this.notes.truncatedCells++;
    cell.value = text;
    if (highlight) cell.style = this.get(undefined, { highlight });
  }
}

/** A column of a detail sheet: header text, and a sampled width. */
export interface ColumnSpec {
  header: string;
  width?: number;
  /** The column holds figures: its header is right-aligned over them. */
  numeric?: boolean;
}

/** Print setup of a detail sheet: landscape, as wide as one page, the sheet's name and page number in the footer. */
export const DETAIL_PAGE_SETUP: Partial<ExcelJS.PageSetup> = {
  orientation: 'landscape',
  fitToPage: true,
  fitToWidth: 1,
  fitToHeight: 0,
  margins: { left: 0.4, right: 0.4, top: 0.5, bottom: 0.6, header: 0.3, footer: 0.3 },
};
/** The footer every sheet prints: its name on the left, page n of m on the right. */
export const PAGE_FOOTER: Partial<ExcelJS.HeaderFooter> = { oddFooter: '&L&A&RPage &P of &N' };

/**
 * Adds a detail sheet with its header row written, frozen, filtered and its columns sized. When the
 * sheet is committed, its autofilter is widened to every written row and the workbook gets the
 * sheet-local `_xlnm._FilterDatabase` and `_xlnm.Print_Titles` names: LibreOffice drops an autofilter
 * that has no `_FilterDatabase` name, and the title name repeats the header row on every printed page.
 */
export function openDetailSheet(
  wb: ExcelJS.Workbook,
  styles: StyleCache,
  name: string,
  columns: readonly ColumnSpec[],
  frozenColumns = 0,
): ExcelJS.Worksheet {
  const ws = wb.addWorksheet(name, {
    views: [{ state: 'frozen', ySplit: 1, xSplit: frozenColumns }],
    pageSetup: DETAIL_PAGE_SETUP,
    headerFooter: PAGE_FOOTER,
  });
  columns.forEach((c, i) => {
    ws.getColumn(i + 1).width = fitWidth(c.header, c.width);
  });
  const header = ws.addRow(columns.map((c) => c.header));
  header.eachCell((cell, i) => (cell.style = styles.header(columns[i - 1]?.numeric ? 'right' : 'left')));
  header.commit();
  // The streaming writer forgets committed rows, so the last data row is tracked as rows are added.
  const data = { lastRow: 1, ended: false };
  dataRows.set(ws, data);
  const addRow = ws.addRow.bind(ws);
  ws.addRow = (values, style) => {
    const row = addRow(values, style);
    if (!data.ended) data.lastRow = Math.max(data.lastRow, row.number);
    return row;
  };
  const commit = ws.commit.bind(ws);
  ws.commit = () => {
    const { lastRow } = data;
    const quoted = `'${ws.name.replace(/'/g, "''")}'`;
    const names = sheetLocalNames(wb);
    if (columns.length > 0) {
      const last = colLetter(columns.length);
      ws.autoFilter = `A1:${last}${lastRow}`;
      names.push({ name: '_xlnm._FilterDatabase', ranges: [`${quoted}!$A$1:$${last}$${lastRow}`], localSheetId: ws.id - 1 });
    }
    names.push({ name: '_xlnm.Print_Titles', ranges: [`${quoted}!$1:$1`], localSheetId: ws.id - 1 });
    commit();
  };
  return ws;
}

const dataRows = new WeakMap<ExcelJS.Worksheet, { lastRow: number; ended: boolean }>();

/** Ends the filtered data of a detail sheet: rows added after this (totals, notes) stay out of its autofilter and sorting. */
export function endOfData(ws: ExcelJS.Worksheet): void {
  const data = dataRows.get(ws);
  if (data) data.ended = true;
}

/** Ends a detail sheet's data, adds a note under it after a blank row, and commits the sheet. */
export function closeWithNote(ws: ExcelJS.Worksheet, styles: StyleCache, text: string): void {
  endOfData(ws);
  ws.addRow([]).commit();
  const note = ws.addRow([]);
  styles.text(note.getCell(1), text);
  note.commit();
  ws.commit();
}

interface SheetLocalName {
  name: string;
  ranges: string[];
  localSheetId: number;
}

const localNames = new WeakMap<ExcelJS.Workbook, SheetLocalName[]>();

/**
 * The sheet-local defined names of a streamed workbook. exceljs' DefinedNames cannot hold a
 * `localSheetId`, but its writer renders whatever `definedNames.model` returns when the workbook
 * is committed, so the list is handed over there (sheets are numbered from 0 in the order added).
 */
function sheetLocalNames(wb: ExcelJS.Workbook): SheetLocalName[] {
  let list = localNames.get(wb);
  if (!list) {
    const own: SheetLocalName[] = [];
    list = own;
    localNames.set(wb, own);
    const definedNames = wb.definedNames as unknown as { model: SheetLocalName[] };
    const inherited = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(definedNames), 'model')?.get;
    Object.defineProperty(definedNames, 'model', {
      get: () => [...((inherited?.call(definedNames) as SheetLocalName[] | undefined) ?? []), ...own],
      configurable: true,
    });
  }
  return list;
}

function colLetter(n: number): string {
  let s = '';
  for (let i = n; i > 0; i = Math.floor((i - 1) / 26)) s = String.fromCharCode(65 + ((i - 1) % 26)) + s;
  return s;
}

/** A column width that fits its header and sampled values, within reason. */
export function fitWidth(header: string, sampled = 0): number {
  return Math.min(60, Math.max(10, header.length + 2, sampled + 2));
}

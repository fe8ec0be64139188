import type ExcelJS from 'exceljs';
import type { CanonicalValue } from '../reconcilers/types.js';
import { cellText } from './cell-text.js';
import { parseDateValue, type FieldKind } from './field-kinds.js';
import { isDecimal, numberFormat, significantDigits } from './number-format.js';

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
      if (opts.highlight) style.fill = HIGHLIGHT;
      if (opts.bold) style.font = { bold: true };
      this.styles.set(id, style);
    }
    return style;
  }

  /** The header cell style. */
  header(): Partial<ExcelJS.Style> {
    let style = this.styles.get('header');
    if (!style) {
      style = {
        font: { bold: true },
        fill: HEADER_FILL,
        border: { bottom: { style: 'thin' } },
        alignment: { vertical: 'middle', wrapText: true },
      };
      this.styles.set('header', style);
    }
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
    if (kind.kind === 'number' && isDecimal(value)) {
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
}

/** Adds a detail sheet with its header row written, frozen, filtered and its columns sized. */
export function openDetailSheet(
  wb: ExcelJS.Workbook,
  styles: StyleCache,
  name: string,
  columns: readonly ColumnSpec[],
  frozenColumns = 0,
): ExcelJS.Worksheet {
  const ws = wb.addWorksheet(name, {
    views: [{ state: 'frozen', ySplit: 1, xSplit: frozenColumns }],
  });
  columns.forEach((c, i) => {
    ws.getColumn(i + 1).width = fitWidth(c.header, c.width);
  });
  if (columns.length > 0) ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
  const header = ws.addRow(columns.map((c) => c.header));
  header.eachCell((cell) => (cell.style = styles.header()));
  header.commit();
  return ws;
}

/** A column width that fits its header and sampled values, within reason. */
export function fitWidth(header: string, sampled = 0): number {
  return Math.min(60, Math.max(10, header.length + 2, sampled + 2));
}

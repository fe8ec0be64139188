/** The workbook's In flight sheet: a confirmed run's differences the confirm pass no longer saw (not counted). */
import type ExcelJS from 'exceljs';
import { displayKey } from '../reconcilers/key.js';
import { rowOf, type RecordDifference } from '../reconcilers/types.js';
import { closeWithNote, openDetailSheet, type ColumnSpec, type StyleCache } from './sheet-writer.js';

const COLUMNS: ColumnSpec[] = [
  { header: 'Kind', width: 18 },
  { header: 'Key', width: 30 },
  { header: 'Legacy (first pass)', width: 50 },
  { header: 'Cloud (first pass)', width: 50 },
];

/** A row's values as `field value, field value` (empty when the side had no row). */
function values(d: RecordDifference, side: 'legacy' | 'cloud'): string {
  const row = rowOf(d, side);
  return row
    ? Object.entries(row)
        .map(([f, v]) => `${f} ${v ?? '(null)'}`)
        .join(', ')
    : '';
}

/** Adds the In flight sheet: up to `rows.length` of `total`, with a note when more are in the file. */
export function writeInFlightSheet(
  wb: ExcelJS.Workbook,
  styles: StyleCache,
  name: string,
  inFlight: { total: number; rows: RecordDifference[] },
): void {
  const ws = openDetailSheet(wb, styles, name, COLUMNS, 2);
  for (const d of inFlight.rows) {
    const row = ws.addRow([]);
    styles.text(row.getCell(1), d.type);
    styles.text(row.getCell(2), displayKey(d.key));
    styles.text(row.getCell(3), values(d, 'legacy'));
    styles.text(row.getCell(4), values(d, 'cloud'));
    row.commit();
  }
  closeWithNote(
    ws,
    styles,
    `Seen by the first pass, gone when the confirm pass read these keys again: not counted as differences${inFlight.total > inFlight.rows.length ? `; ${inFlight.rows.length} of ${inFlight.total} listed (all in in-flight.jsonl)` : ''}.`,
  );
}

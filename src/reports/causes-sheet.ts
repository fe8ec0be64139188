/** The workbook's Causes sheet (after the Summary): the run's differences explained as causes. */
import type ExcelJS from 'exceljs';
import type { Cause } from '../diagnosis/types.js';
import { describeCause, impactText, whereText } from '../diagnosis/render.js';
import { displayKey } from '../reconcilers/key.js';
import { closeWithNote, openDetailSheet, type ColumnSpec, type StyleCache } from './sheet-writer.js';

const COLUMNS: ColumnSpec[] = [
  { header: 'Cause', width: 18 },
  { header: 'Field', width: 14 },
  { header: 'Differences', numeric: true, width: 10 },
  { header: 'Share', numeric: true, width: 8 },
  { header: 'Where', width: 22 },
  { header: 'What was found', width: 50 },
  { header: 'At stake', width: 34 },
  { header: 'Confidence', width: 10 },
  { header: 'Sample keys', width: 40 },
  { header: 'Suggested mapping change', width: 70 },
];

/** Adds the Causes sheet; `causes` undefined (a run stored before diagnosis existed) says so. */
export function writeCausesSheet(
  wb: ExcelJS.Workbook,
  styles: StyleCache,
  name: string,
  causes: readonly Cause[] | undefined,
): void {
  const ws = openDetailSheet(wb, styles, name, COLUMNS, 1);
  for (const c of causes ?? []) {
    const row = ws.addRow([]);
    styles.text(row.getCell(1), c.kind);
    styles.text(row.getCell(2), c.field ?? '');
    row.getCell(3).value = c.count;
    row.getCell(3).style = styles.get('#,##0');
    // A share for people (a ratio of counts, never a compared amount).
    row.getCell(4).value = Number(c.share);
    row.getCell(4).style = styles.get('0.00%');
    styles.text(row.getCell(5), whereText(c));
    styles.text(row.getCell(6), describeCause(c));
    styles.text(row.getCell(7), impactText(c));
    styles.text(row.getCell(8), c.confidence);
    styles.text(row.getCell(9), c.sampleKeys.map(displayKey).join('; '));
    styles.text(row.getCell(10), c.suggestion);
    row.commit();
  }
  closeWithNote(
    ws,
    styles,
    causes === undefined
      ? 'This run was not diagnosed: run `cutover diagnose RUN`.'
      : causes.length === 0
        ? 'No cause explains these differences (or there are none): each stays on its own sheet.'
        : 'Suggestions for a person to accept or reject: nothing was changed. Accept one with `cutover exceptions resolve --cause KIND --note TEXT`.',
  );
}

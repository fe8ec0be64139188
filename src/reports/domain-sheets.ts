import type ExcelJS from 'exceljs';
import type { Mapping } from '../config/mapping-schema.js';
import type { TotalLine } from '../reconcilers/types.js';
import type { FieldKinds } from './field-kinds.js';
import { controlTotals, lineCurrency, lineScale, wholeFigures } from './control-totals.js';
import { displayWidth, numberFormat } from './number-format.js';
import { isCanonicalDecimal, toScaled } from '../util/exact-decimal.js';
import { EXCEL_MAX_ROWS, endOfData, openDetailSheet, type StyleCache } from './sheet-writer.js';
import type { SheetNames } from './sheet-names.js';
import { sampledWidth } from './detail-layout.js';

/**
 * Writes one sheet per control-total group (trial balance for postings, by location for inventory,
 * by status and by day for refunds): every line side by side, variances highlighted, and a Total
 * row per field that equals the Summary's figure. Returns group → sheet name.
 */
export function writeDomainSheets(
  wb: ExcelJS.Workbook,
  styles: StyleCache,
  names: SheetNames,
  totals: readonly TotalLine[],
  kinds: FieldKinds,
  mapping?: Mapping,
): Map<string, string> {
  const byGroup = new Map<string, TotalLine[]>();
  for (const line of totals) {
    const list = byGroup.get(line.group) ?? [];
    list.push(line);
    byGroup.set(line.group, list);
  }
  const sheets = new Map<string, string>();
  for (const [group, lines] of byGroup) {
    const byFields = kinds.order(lines.flatMap((l) => Object.keys(l.by)));
    // A group of grand totals only (no `by`) has nothing to break down: the Summary shows it whole.
    if (byFields.length === 0) continue;
    const name = names.take(group);
    sheets.set(group, name);
    const shown = lines.slice(0, EXCEL_MAX_ROWS - 1 - 100); // room for the Total rows
    // One format per field down the sheet, so a column of amounts lines up and sums as shown.
    const fieldScale = new Map<string, number>();
    for (const line of lines) fieldScale.set(line.field, Math.max(fieldScale.get(line.field) ?? 0, lineScale(line, mapping)));
    // A quantity whose every line is whole is shown whole (no ".000"); money keeps its cents.
    for (const field of fieldScale.keys()) {
      const own = lines.filter((l) => l.field === field);
      if (!own.some((l) => lineCurrency(l, mapping)) && own.every(wholeFigures)) fieldScale.set(field, 0);
    }
    const groupTotals = controlTotals(lines, mapping);
    // Sized to the widest figure (the Total rows are the biggest), so Excel never shows ####.
    const figures = { legacy: 0, cloud: 0, difference: 0 };
    for (const l of [...lines.slice(0, 2000), ...groupTotals])
      for (const side of ['legacy', 'cloud', 'difference'] as const)
        figures[side] = Math.max(figures[side], displayWidth(l[side], fieldScale.get(l.field) ?? 0, 'by' in l ? lineCurrency(l, mapping) : l.currency) + 1);
    const columns = [
      ...byFields.map((f) => ({ header: kinds.get(f).label, width: sampledWidth(lines.slice(0, 500).map((l) => l.by[f])) })),
      { header: 'Field', width: sampledWidth(lines.slice(0, 500).map((l) => kinds.get(l.field).label)) },
      { header: 'Legacy', width: figures.legacy, numeric: true },
      { header: 'Cloud', width: figures.cloud, numeric: true },
      { header: 'Variance (cloud − legacy)', width: figures.difference, numeric: true },
    ];
    const ws = openDetailSheet(wb, styles, name, columns, byFields.length);
    for (const line of shown) {
      const row = ws.addRow([]);
      byFields.forEach((f, i) => styles.put(row.getCell(i + 1), line.by[f], kinds.get(f)));
      styles.text(row.getCell(byFields.length + 1), kinds.get(line.field).label);
      writeFigures(styles, row, byFields.length + 2, line, fieldScale.get(line.field) ?? 0, lineCurrency(line, mapping));
      row.commit();
    }
    endOfData(ws);
    ws.addRow([]).commit();
    for (const t of groupTotals) {
      const row = ws.addRow([]);
      row.getCell(1).value = 'Total';
      row.getCell(1).style = styles.get(undefined, { bold: true });
      styles.text(row.getCell(byFields.length + 1), kinds.get(t.field).label);
      writeFigures(styles, row, byFields.length + 2, { legacy: t.legacy, cloud: t.cloud, difference: t.difference }, t.scale, t.currency, true);
      row.commit();
    }
    if (shown.length < lines.length) {
      const row = ws.addRow([`Only the first ${shown.length} of ${lines.length} lines fit in a sheet; the Total rows cover all of them.`]);
      row.commit();
    }
    ws.commit();
  }
  return sheets;
}

/** Legacy, cloud and variance as numbers at `scale`, the variance highlighted when it is not zero. */
export function writeFigures(
  styles: StyleCache,
  row: ExcelJS.Row,
  start: number,
  l: { legacy: string; cloud: string; difference: string },
  scale: number,
  currency: string | undefined,
  bold = false,
): void {
  const variance = isCanonicalDecimal(l.difference) && toScaled(l.difference, 38) !== 0n;
  [l.legacy, l.cloud, l.difference].forEach((v, i) => {
    const kind = { kind: 'number' as const, scale, currency, label: '' };
    const cell = row.getCell(start + i);
    styles.put(cell, v, kind, variance && i === 2);
    if (bold && typeof cell.value === 'number')
      cell.style = styles.get(numberFormat(scale, currency), { highlight: variance && i === 2, bold });
  });
}

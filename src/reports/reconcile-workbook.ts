import path from 'node:path';
import ExcelJS from 'exceljs';
import type { Mapping } from '../config/mapping-schema.js';
import type { ControlStore } from '../store/control-store.js';
import { rowOf, type CanonicalRow, type Difference, type DifferenceType, type ReconcileSummary } from '../reconcilers/types.js';
import {
  countDifferences,
  sampleDifferences,
  streamDifferences,
  type DifferenceCounts,
} from '../store/differences.js';
import { FieldKinds } from './field-kinds.js';
import { displayWidth } from './number-format.js';
import { scaleOf } from '../util/exact-decimal.js';
import { CLASS_SHEETS, allocateRows, detailLayout, sampledWidth, type DetailLayout } from './detail-layout.js';
import {
  DETAIL_PAGE_SETUP,
  endOfData,
  EXCEL_MAX_ROWS,
  openDetailSheet,
  PAGE_FOOTER,
  StyleCache,
  type ColumnSpec,
} from './sheet-writer.js';
import { putTimeDelta, timeDeltaUnits, type TimeUnit } from './time-delta.js';
import { SheetNames } from './sheet-names.js';
import { writeDomainSheets } from './domain-sheets.js';
import { writeSummarySheet, type SheetCoverage } from './summary-sheet.js';
import { writeCausesSheet } from './causes-sheet.js';
import { readInFlight } from './in-flight.js';
import { writeInFlightSheet } from './in-flight-sheet.js';
import { writeAtomically } from './atomic-file.js';
import { OutputFile } from './output-file.js';

/** The default cap on detail rows in one workbook (exceljs holds written rows in memory: ~0.5 GB per million). */
export const DEFAULT_XLSX_DETAIL_ROW_CAP = 100_000;

/** What a workbook holds, so the caller knows whether the complete detail must be written beside it. */
export interface WorkbookResult {
  file: string;
  coverage: SheetCoverage[];
  capped: boolean;
}

/**
 * Writes the reconciliation workbook for a stored run: Summary, one sheet per difference class,
 * one per control-total group. Differences are streamed from the control store; at most
 * `detailRowCap` detail rows are written, and the Summary says what was capped and names
 * `completeDetail` (the CSV/JSONL files that hold everything). Written to a temp file and renamed.
 */
export async function writeReconcileWorkbook(opts: {
  store: ControlStore;
  summary: ReconcileSummary;
  mapping?: Mapping;
  runId: string;
  file: string;
  detailRowCap?: number;
  completeDetail: string[];
  /** The run's counts per type, when the caller has them already (saves a scan). */
  counts?: DifferenceCounts;
}): Promise<WorkbookResult> {
  const { store, summary, mapping, runId } = opts;
  const cap = Math.min(opts.detailRowCap ?? DEFAULT_XLSX_DETAIL_ROW_CAP, 5 * (EXCEL_MAX_ROWS - 1));
  const counts = opts.counts ?? (await countDifferences(store, runId));
  // A class with nothing to list gets no sheet: the Summary's counts already say 0.
  const present = CLASS_SHEETS.filter((c) => (counts[c.type] ?? 0) > 0);
  const samples = await sampleDifferences(store, runId, present.map((c) => c.type));
  const kinds = new FieldKinds(mapping, samples, summary.totals);
  const layout = detailLayout(mapping, summary.fieldMismatches, samples, kinds);
  const units = timeDeltaUnits(layout.mismatchFields, kinds, samples);
  const allocation = allocateRows(
    Object.fromEntries(present.map((c) => [c.type, counts[c.type] ?? 0])),
    cap,
    EXCEL_MAX_ROWS - 1,
  );

  let coverage: SheetCoverage[] = [];
  await writeAtomically(opts.file, async (tmp) => {
    const out = new OutputFile(tmp);
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out.stream, useStyles: true, useSharedStrings: false });
    wb.creator = 'cutover';
    const styles = new StyleCache();
    const names = new SheetNames();
    // Added first so it is the first tab; its rows are written last, once the detail sheets are counted.
    const summarySheet = wb.addWorksheet(names.take('Summary'), { pageSetup: DETAIL_PAGE_SETUP, headerFooter: PAGE_FOOTER });
    if (summary.causes) writeCausesSheet(wb, styles, names.take('Causes'), summary.causes);
    const inFlight = readInFlight(summary, path.dirname(opts.file), Math.min(cap, 10_000));
    if (inFlight) writeInFlightSheet(wb, styles, names.take('In flight'), inFlight);
    let omitted = 0;
    coverage = [];
    for (const { type, sheet } of present) {
      const limit = allocation[type] ?? 0;
      const columns = classColumns(type, layout, kinds, samples, units);
      const ws = openDetailSheet(wb, styles, names.take(sheet), columns.specs, columns.frozen);
      let shown = 0;
      if (limit > 0)
        for await (const { diff } of streamDifferences(store, runId, { type, limit })) {
          out.check();
          const row = ws.addRow([]);
          omitted += writeDetailRow(row, diff, layout, kinds, styles, units);
          row.commit();
          shown++;
        }
      if (shown === 0) {
        endOfData(ws);
        ws.addRow([]).commit();
        const note = ws.addRow([]);
        styles.text(note.getCell(1), (counts[type] ?? 0) === 0 ? `No ${sheet.toLowerCase()} in this run.` : 'Not listed here: see the Summary for where the detail is.');
        note.commit();
      }
      ws.commit();
      coverage.push({ sheet, shown, total: counts[type] ?? 0 });
    }
    const domainSheets = writeDomainSheets(wb, styles, names, summary.totals, kinds, mapping);
    writeSummarySheet(
      summarySheet,
      styles,
      summary,
      kinds,
      { coverage, cap, completeDetail: opts.completeDetail, domainSheets, omittedFieldValues: omitted },
      mapping,
    );
    await out.commit(wb);
  });
  return { file: opts.file, coverage, capped: coverage.some((c) => c.shown < c.total) };
}

function classColumns(
  type: DifferenceType,
  layout: DetailLayout,
  kinds: FieldKinds,
  samples: readonly Difference[],
  units: Map<string, TimeUnit>,
): { specs: ColumnSpec[]; frozen: number } {
  const mine = samples.filter((d) => d.type === type);
  // Figures are sized as shown (thousands separators, currency code) and their headers sit right.
  const column = (header: string, f: string, values: (string | null | undefined)[]): ColumnSpec => {
    const k = kinds.get(f);
    if (k.kind !== 'number') return { header, width: sampledWidth(values) };
    const width = Math.max(0, ...values.map((v) => (v ? displayWidth(v, k.scale, k.currency) : 0)));
    return { header, width, numeric: true };
  };
  const keyCols = (fields: string[]) =>
    fields.map((f) => column(kinds.get(f).label, f, mine.map((d) => d.key[f])));
  const rowCols = () =>
    layout.rowFields.map((f) =>
      column(kinds.get(f).label, f, mine.map((d) => rowOf(d, 'legacy')?.[f] ?? rowOf(d, 'cloud')?.[f])),
    );
  switch (type) {
    case 'mismatch': {
      const specs = keyCols(layout.keyFields);
      const mismatches = samples.filter((d) => d.type === 'mismatch');
      for (const f of layout.mismatchFields) {
        const k = kinds.get(f);
        const values = mismatches.flatMap((d) => [d.fields[f]?.legacy, d.fields[f]?.cloud]);
        specs.push(column(`${k.label} legacy`, f, values), column(`${k.label} cloud`, f, values));
        const unit = units.get(f);
        const deltas = mismatches.map((d) => d.fields[f]?.delta);
        if (hasDelta(k.kind))
          specs.push({ ...column(`${k.label} delta${unit ? ` (${unit.name})` : ''}`, f, deltas), numeric: true });
      }
      specs.push({ header: 'Differing fields', width: sampledWidth(mismatches.map((d) => Object.keys(d.fields).join(', '))) });
      return { specs, frozen: layout.keyFields.length };
    }
    case 'missing_in_cloud':
    case 'missing_in_legacy':
      return { specs: [...keyCols(layout.keyFields), ...rowCols()], frozen: layout.keyFields.length };
    case 'duplicate_key':
      return {
        specs: [...keyCols(layout.keyFields), { header: 'Side' }, { header: 'Rows with this key', numeric: true }, ...rowCols()],
        frozen: layout.keyFields.length,
      };
    case 'unbalanced_journal':
      return {
        specs: [
          ...keyCols(layout.journalKeyFields),
          { header: 'Side' },
          { header: 'Debit', width: 16, numeric: true },
          { header: 'Credit', width: 16, numeric: true },
          { header: 'Difference', width: 16, numeric: true },
        ],
        frozen: layout.journalKeyFields.length,
      };
  }
}

function hasDelta(kind: string): boolean {
  return kind === 'number' || kind === 'timestamp' || kind === 'date';
}

/** Writes one difference into its row; returns how many of its values had no column (reported on the Summary). */
function writeDetailRow(
  row: ExcelJS.Row,
  d: Difference,
  layout: DetailLayout,
  kinds: FieldKinds,
  styles: StyleCache,
  units: Map<string, TimeUnit>,
): number {
  let col = 1;
  const keys = d.type === 'unbalanced_journal' ? layout.journalKeyFields : layout.keyFields;
  for (const f of keys) styles.put(row.getCell(col++), d.key[f], kinds.get(f));
  const rowValues = (values: CanonicalRow) => {
    for (const f of layout.rowFields) styles.put(row.getCell(col++), values[f], kinds.get(f));
    return Object.keys(values).filter((f) => !layout.rowFields.includes(f) && !keys.includes(f)).length;
  };
  switch (d.type) {
    case 'mismatch': {
      const fields = d.fields;
      for (const f of layout.mismatchFields) {
        const k = kinds.get(f);
        const fd = fields[f];
        styles.put(row.getCell(col++), fd?.legacy, k, fd !== undefined);
        styles.put(row.getCell(col++), fd?.cloud, k, fd !== undefined);
        const unit = units.get(f);
        if (unit) putTimeDelta(styles, row.getCell(col++), fd?.delta, unit, fd !== undefined);
        else if (hasDelta(k.kind))
          styles.put(row.getCell(col++), fd?.delta, { kind: 'number', scale: k.scale, currency: k.currency, label: '' }, fd !== undefined);
      }
      const names = Object.keys(fields);
      styles.indented(row.getCell(col), names.join(', '));
      return names.filter((f) => !layout.mismatchFields.includes(f)).length;
    }
    case 'unbalanced_journal': {
      styles.text(row.getCell(col++), d.side);
      const b = d.balance;
      const scale = Math.max(...[b.debit, b.credit, b.difference].map((v) => (v ? scaleOf(v) : 0)));
      const money = { kind: 'number' as const, scale, currency: undefined, label: '' };
      styles.put(row.getCell(col++), b.debit, money);
      styles.put(row.getCell(col++), b.credit, money);
      styles.put(row.getCell(col++), b.difference, money, true);
      return 0;
    }
    case 'duplicate_key':
      styles.text(row.getCell(col++), d.side);
      row.getCell(col++).value = d.count;
      return rowValues(d.side === 'legacy' ? d.legacy : d.cloud);
    case 'missing_in_cloud':
      return rowValues(d.legacy);
    case 'missing_in_legacy':
      return rowValues(d.cloud);
  }
}

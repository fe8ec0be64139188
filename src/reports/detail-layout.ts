import type { Mapping } from '../config/mapping-schema.js';
import { rowOf, type CanonicalRow, type Difference, type DifferenceType } from '../reconcilers/types.js';
import type { FieldKinds } from './field-kinds.js';

/** The class sheets of a reconciliation workbook, in the order finance reads them. */
export const CLASS_SHEETS: { type: DifferenceType; sheet: string }[] = [
  { type: 'mismatch', sheet: 'Mismatches' },
  { type: 'missing_in_cloud', sheet: 'Missing in Cloud' },
  { type: 'missing_in_legacy', sheet: 'Missing in Legacy' },
  { type: 'duplicate_key', sheet: 'Duplicates' },
  { type: 'unbalanced_journal', sheet: 'Unbalanced Journals' },
];

/** The columns every class shares and the field columns of each class, decided before streaming. */
export interface DetailLayout {
  keyFields: string[];
  /** Mismatches: the fields that differ anywhere in the run (summary.fieldMismatches plus sampled). */
  mismatchFields: string[];
  /** Missing/duplicate sheets: the row's non-key fields. */
  rowFields: string[];
  /** unbalanced_journal: its key fields (usually `journal`). */
  journalKeyFields: string[];
}

/** Decides the detail columns from the mapping, the summary and a sample of the differences. */
export function detailLayout(
  mapping: Mapping | undefined,
  fieldMismatches: Record<string, number>,
  samples: readonly Difference[],
  kinds: FieldKinds,
): DetailLayout {
  const sampledKeys = samples.filter((d) => d.type !== 'unbalanced_journal').flatMap((d) => Object.keys(d.key));
  const keyFields = mapping?.key ? [...mapping.key] : [...new Set(sampledKeys)];
  const journalKeyFields = [
    ...new Set(samples.filter((d) => d.type === 'unbalanced_journal').flatMap((d) => Object.keys(d.key))),
  ];
  const mismatchFields = kinds.order([
    ...Object.keys(fieldMismatches),
    ...samples.flatMap((d) => (d.type === 'mismatch' ? Object.keys(d.fields) : [])),
  ]);
  const rowKeys = (row: CanonicalRow | undefined) => Object.keys(row ?? {});
  const rowFields = kinds
    .order([...Object.keys(mapping?.fields ?? {}), ...samples.flatMap((d) => [...rowKeys(rowOf(d, 'legacy')), ...rowKeys(rowOf(d, 'cloud'))])])
    .filter((f) => !keyFields.includes(f));
  return { keyFields, mismatchFields, rowFields, journalKeyFields };
}

/**
 * Shares the workbook's detail-row cap among the class sheets: a small class is shown whole and the
 * big ones split what is left evenly, so a million mismatches cannot crowd out thirty missing rows.
 * No sheet gets more than Excel's row limit.
 */
export function allocateRows(totals: Record<string, number>, cap: number, sheetMax: number): Record<string, number> {
  const entries = Object.entries(totals).sort((a, b) => a[1] - b[1]);
  const out: Record<string, number> = {};
  let remaining = cap;
  entries.forEach(([name, total], i) => {
    const share = Math.floor(remaining / (entries.length - i));
    const given = Math.min(total, share, sheetMax);
    out[name] = given;
    remaining -= given;
  });
  return out;
}

/** The widest display text among sampled values, for a column width. */
export function sampledWidth(values: Iterable<string | null | undefined>): number {
  let max = 0;
  for (const v of values) if (v) max = Math.max(max, Math.min(v.length, 60));
  return max;
}

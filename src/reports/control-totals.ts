import type { Mapping } from '../config/mapping-schema.js';
import { roleField } from '../config/role-field.js';
import type { TotalLine, TotalsSummaryEntry } from '../reconcilers/types.js';
import { formatDecimal, isCanonicalDecimal, scaleOf, toScaled } from '../util/exact-decimal.js';
import { productFactors } from './field-kinds.js';

/**
 * One control total of the Summary: a group's field summed over its lines, exactly, with what the
 * net figure can hide (offsetting line differences): the absolute difference and the largest line.
 */
export interface ControlTotal extends TotalsSummaryEntry {
  scale: number;
}

/**
 * The scale a total line is shown at: its own, else the mapping field's, else its widest figure. A
 * `value: [a, b]` product (on hand × unit cost) carries the sum of its factors' scales (7 for 3 × 4),
 * which is noise on a money figure: it is shown with the digits it really has, at least the
 * currency's two, so the figure stays exact and reads as an amount.
 */
export function lineScale(line: TotalLine, mapping?: Mapping): number {
  const factors = productFactors(line.field);
  if (factors) {
    const minimum = fieldCurrency(line.field, mapping) ? 2 : 0;
    return Math.max(minimum, ...[line.legacy, line.cloud, line.difference].map(significantScale));
  }
  if (line.scale !== undefined) return line.scale;
  const spec = mapping?.fields[line.field];
  if (spec?.type === 'decimal' && spec.scale !== undefined) return spec.scale;
  if (spec?.type === 'integer') return 0;
  return Math.max(scaleOf(line.legacy), scaleOf(line.cloud), scaleOf(line.difference));
}

/** The currency of a total's field: the mapping field's, or for a product the currency of either factor. */
export function fieldCurrency(field: string, mapping?: Mapping): string | undefined {
  const factors = productFactors(field);
  if (factors) return factors.map((f) => mapping?.fields[f]?.currency).find(Boolean);
  // The postings trial balance sums the signed amount (or debit − credit) as its "balance".
  if (field === 'balance' && !mapping?.fields.balance && mapping?.domain === 'postings')
    return ['amount', 'debit', 'credit']
      .map((role) => mapping.fields[roleField(mapping, role)]?.currency)
      .find(Boolean);
  return mapping?.fields[field]?.currency;
}

/**
 * The currency a total line's amounts are in: the line's own `currency` breakdown (totals by
 * currency) when the field is money, else the field's. EUR lines must never wear a USD format.
 */
export function lineCurrency(line: TotalLine, mapping?: Mapping): string | undefined {
  const own = fieldCurrency(line.field, mapping);
  const code = line.by.currency;
  return own && typeof code === 'string' && /^[A-Z]{3}$/.test(code) ? code : own;
}

/** Digits after the point once trailing zeros are dropped ("12.3400" → 2). */
function significantScale(s: string): number {
  return isCanonicalDecimal(s) ? scaleOf(s.includes('.') ? s.replace(/0+$/, '') : s) : 0;
}

/**
 * The Summary's control totals: per group and field, the sum of its lines' legacy, cloud and
 * variance figures (a line with no `by` is already the group's grand total and is used as is).
 * Amounts in different currencies are never added up: a group broken down by currency gets one
 * total per currency.
 */
export function controlTotals(totals: readonly TotalLine[], mapping?: Mapping): ControlTotal[] {
  const groups = new Map<string, TotalLine[]>();
  for (const line of totals) {
    const id = JSON.stringify([line.group, line.field, lineCurrency(line, mapping) ?? '']);
    const list = groups.get(id) ?? [];
    list.push(line);
    groups.set(id, list);
  }
  return [...groups.values()].map((lines) => {
    const first = lines[0] as TotalLine;
    const grand = lines.filter((l) => Object.keys(l.by).length === 0);
    const used = grand.length > 0 ? grand : lines;
    const scale = Math.max(...used.map((l) => Math.max(lineScale(l, mapping), scaleOf(l.legacy), scaleOf(l.cloud), scaleOf(l.difference))));
    const sum = (pick: (l: TotalLine) => string) =>
      formatDecimal(
        used.reduce((acc, l) => acc + (isCanonicalDecimal(pick(l)) ? toScaled(pick(l), scale) : 0n), 0n),
        scale,
      );
    // Offsetting errors must not net away: |difference| is summed over the detail lines (the
    // group's lines with a `by`; a group of grand totals only is its own detail).
    const detail = lines.length > grand.length ? lines.filter((l) => Object.keys(l.by).length > 0) : lines;
    const at = Math.max(scale, ...detail.map((l) => (isCanonicalDecimal(l.difference) ? scaleOf(l.difference) : 0)));
    const diffOf = (l: TotalLine) => (isCanonicalDecimal(l.difference) ? toScaled(l.difference, at) : 0n);
    let abs = 0n;
    let largest: TotalLine | undefined;
    let largestAbs = 0n;
    for (const l of detail) {
      const d = diffOf(l);
      const a = d < 0n ? -d : d;
      abs += a;
      if (a > largestAbs) [largest, largestAbs] = [l, a];
    }
    const currency = lineCurrency(first, mapping);
    return {
      group: first.group,
      field: first.field,
      ...(currency ? { currency } : {}),
      lines: lines.length,
      linesWithVariance: lines.filter((l) => diffOf(l) !== 0n).length,
      legacy: sum((l) => l.legacy),
      cloud: sum((l) => l.cloud),
      difference: sum((l) => l.difference),
      absDifference: formatDecimal(abs, at),
      largest: largest ? { by: largest.by, difference: formatDecimal(diffOf(largest), at) } : null,
      // Whole-unit quantities read as whole numbers (2,370,091, not 2,370,091.000); money keeps its cents.
      scale: !currency && lines.every(wholeFigures) ? 0 : Math.max(...used.map((l) => lineScale(l, mapping))),
    };
  });
}

/** Are a line's legacy, cloud and difference all whole numbers ("2370091.000")? */
export function wholeFigures(l: { legacy: string; cloud: string; difference: string }): boolean {
  return [l.legacy, l.cloud, l.difference].every((v) => !isCanonicalDecimal(v) || !/\.\d*[1-9]/.test(v));
}

/** The run summary's `totalsSummary` (SPEC: CLI conventions): the control totals without their display scale. */
export function totalsSummary(totals: readonly TotalLine[], mapping?: Mapping): TotalsSummaryEntry[] {
  return controlTotals(totals, mapping).map(({ scale: _scale, ...entry }) => entry);
}

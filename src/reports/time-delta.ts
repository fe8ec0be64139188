import type ExcelJS from 'exceljs';
import type { Difference } from '../reconcilers/types.js';
import type { FieldKinds } from './field-kinds.js';
import { formatDecimal, isCanonicalDecimal, scaleOf, toScaled } from '../util/exact-decimal.js';
import type { StyleCache } from './sheet-writer.js';

/** The unit a timestamp/date column's delta is shown in. */
export interface TimeUnit {
  name: 'days' | 'hours' | 'minutes' | 's' | 'ms' | 'µs';
  /** The unit in microseconds (a delta is ms with up to 3 decimals when the field keeps microseconds). */
  us: bigint;
}

const UNITS: TimeUnit[] = [
  { name: 'days', us: 86_400_000_000n },
  { name: 'hours', us: 3_600_000_000n },
  { name: 'minutes', us: 60_000_000n },
  { name: 's', us: 1_000_000n },
  { name: 'ms', us: 1000n },
  { name: 'µs', us: 1n },
];

/**
 * Picks, per timestamp or date field, the largest unit that divides every sampled delta (stored in
 * ms): a store sending local time as UTC shows as -5 hours, not -18,000,000 ms. A delta beyond the
 * sample that does not divide is shown with decimals.
 */
export function timeDeltaUnits(fields: readonly string[], kinds: FieldKinds, samples: readonly Difference[]): Map<string, TimeUnit> {
  const out = new Map<string, TimeUnit>();
  for (const f of fields) {
    const kind = kinds.get(f).kind;
    if (kind !== 'timestamp' && kind !== 'date') continue;
    const deltas = samples.flatMap((d) => {
      const us = micros(d.type === 'mismatch' ? d.fields[f]?.delta : undefined);
      return us === undefined ? [] : [us];
    });
    const unit = UNITS.find((u) => (kind === 'date' || u.name !== 'days') && deltas.every((d) => d % u.us === 0n));
    out.set(f, unit ?? (UNITS[UNITS.length - 1] as TimeUnit));
  }
  return out;
}

/** Writes a delta in ms as a number of `unit`s (with the decimals it needs), highlighted when asked. */
export function putTimeDelta(
  styles: StyleCache,
  cell: ExcelJS.Cell,
  deltaMs: string | null | undefined,
  unit: TimeUnit,
  highlight: boolean,
): void {
  const us = micros(deltaMs);
  if (us === undefined) {
    styles.put(cell, deltaMs ?? undefined, { kind: 'text', scale: 0, label: '' }, highlight);
    return;
  }
  // A delta beyond the sample that does not divide keeps 6 decimals of the unit (a display value, never summed).
  const value = us % unit.us === 0n ? String(us / unit.us) : formatDecimal((us * 1_000_000n) / unit.us, 6).replace(/0+$/, '');
  styles.put(cell, value, { kind: 'number', scale: scaleOf(value), label: '' }, highlight);
}

/** A delta in ms (canonical: integer, or 3 decimals for µs) as BigInt µs; undefined when it is not one. */
function micros(v: string | null | undefined): bigint | undefined {
  return typeof v === 'string' && isCanonicalDecimal(v) && scaleOf(v) <= 3 ? toScaled(v, 3) : undefined;
}

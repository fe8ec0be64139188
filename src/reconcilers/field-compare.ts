/**
 * Per-field comparison of two canonical values, with the field's tolerance applied exactly
 * (scaled BigInt for decimals, microseconds as BigInt for timestamps).
 */
import type { FieldSpec, Mapping } from '../config/mapping-schema.js';
import { MappingError } from '../errors.js';
import type { CanonicalValue, FieldDelta } from './types.js';
import {
  formatDecimal,
  parseDecimal,
  parseExact,
  pow10,
  scaleOf,
  withinAbsolute,
  withinRelative,
  type ExactDecimal,
} from '../util/exact-decimal.js';
import { canonicalToMicros, parseDuration } from './timestamp.js';

/** Compares two canonical values: undefined when they agree (within tolerance), else the difference. */
export type FieldComparator = (legacy: CanonicalValue, cloud: CanonicalValue) => FieldDelta | undefined;

/** Builds the comparator of one field; a tolerance that does not fit the type is a MappingError. */
export function buildFieldComparator(mapping: Mapping, name: string, field: FieldSpec): FieldComparator {
  const where = `${mapping.file}: fields.${name}`;
  const exact = (text: string | undefined, what: string): ExactDecimal | undefined => {
    if (text === undefined) return undefined;
    try {
      const d = parseExact(text);
      if (d.units < 0n) throw new Error('negative');
      return d;
    } catch {
      throw new MappingError(
        `${where}: ${what} "${text}" is not a non-negative decimal.`,
        'Write it like 0.005.',
      );
    }
  };
  if (field.type === 'decimal' || field.type === 'integer') {
    const tol = exact(field.tolerance, 'tolerance');
    const rel = exact(field.relativeTolerance, 'relativeTolerance');
    const fieldScale = field.type === 'integer' ? 0 : field.scale;
    return (l, c) => {
      if (l === c) return undefined;
      if (l === null || c === null) return { legacy: l, cloud: c, delta: null };
      const s = fieldScale ?? Math.max(scaleOf(l), scaleOf(c));
      const w = Math.max(s, tol?.scale ?? 0);
      const a = parseDecimal(l, w);
      const b = parseDecimal(c, w);
      if (a === b) return undefined;
      if (tol && withinAbsolute(a, b, tol.units * pow10(w - tol.scale))) return undefined;
      if (rel && withinRelative(a, b, rel)) return undefined;
      return { legacy: l, cloud: c, delta: formatDecimal((b - a) / pow10(w - s), s) };
    };
  }
  if (field.type === 'timestamp') {
    const tol = field.tolerance === undefined ? 0n : parseDuration(field.tolerance, `${where}.tolerance`);
    const microsShown = field.precision === 'us';
    return (l, c) => {
      if (l === c) return undefined;
      if (l === null || c === null) return { legacy: l, cloud: c, delta: null };
      const d = canonicalToMicros(c) - canonicalToMicros(l);
      if ((d < 0n ? -d : d) <= tol) return undefined;
      return { legacy: l, cloud: c, delta: microsShown ? formatDecimal(d, 3) : formatDecimal(d / 1000n, 0) };
    };
  }
  if (field.tolerance !== undefined || field.relativeTolerance !== undefined)
    throw new MappingError(
      `${where}: a tolerance applies to decimal, integer and timestamp fields, not ${field.type}.`,
      'Remove it, or change the field type.',
    );
  return (l, c) => (l === c ? undefined : { legacy: l, cloud: c });
}

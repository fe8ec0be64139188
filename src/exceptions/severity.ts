import type { Mapping } from '../config/mapping-schema.js';
import { comparePlainDecimals, isDigit } from '../util/exact-decimal.js';
import type { Difference } from '../reconcilers/types.js';
import type { ExceptionKind, Severity } from './types.js';

/**
 * Severity of an item from the size of its variance, before age is considered. The variance is the
 * largest absolute numeric gap the item shows: the largest |delta| of a mismatch's decimal/integer
 * fields, the largest |value| of those fields in a row missing on one side, or the imbalance of a
 * journal. `thresholds: { high, medium }` in the mapping are absolute; defaults below.
 */
export const defaultThresholds = { high: '1000', medium: '1' } as const;
/** Days unresolved after which an item is at least medium, and high. */
export const ageDays = { medium: 3, high: 7 } as const;

/** Scales a decimal string to a BigInt with `scale` fraction digits (exact; no floating point). */
function scaled(text: string, scale: number): bigint {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m) return 0n;
  const [, sign, int = '', frac = ''] = m;
  const digits = (int || '0') + frac.padEnd(scale, '0').slice(0, scale);
  const v = BigInt(digits);
  return sign === '-' ? -v : v;
}

function abs(text: string): string {
  const c = text.charCodeAt(0);
  return c === 43 || c === 45 ? text.slice(1) : text;
}

function fracLen(text: string): number {
  const i = text.indexOf('.');
  return i < 0 ? 0 : text.length - i - 1;
}

/** a >= b for decimal strings, exactly. */
export function decimalGte(a: string, b: string): boolean {
  const fast = comparePlainDecimals(a, b);
  if (fast !== undefined) return fast >= 0;
  const scale = Math.max(fracLen(a), fracLen(b));
  return scaled(a, scale) >= scaled(b, scale);
}

/** `[+-]?D*.?D*` with at least one digit: a value maxAbs takes. */
function isLooseDecimal(v: string): boolean {
  let i = v.charCodeAt(0) === 43 || v.charCodeAt(0) === 45 ? 1 : 0;
  const start = i;
  while (i < v.length && isDigit(v.charCodeAt(i))) i++;
  let digits = i - start;
  if (i < v.length && v.charCodeAt(i) === 46) i++;
  const fracStart = i;
  while (i < v.length && isDigit(v.charCodeAt(i))) i++;
  digits += i - fracStart;
  return i === v.length && digits > 0;
}

/** The larger of `best` and |v| (the first of equals kept), where v is a loose decimal; else `best`. */
function maxAbsWith(best: string | null, v: string | null | undefined): string | null {
  if (v == null || !isLooseDecimal(v)) return best;
  const a = abs(v);
  return best === null || !decimalGte(best, a) ? a : best;
}

/** A mapping's fields whose variance counts: decimal and integer fields outside the key. */
const numericFieldsOf = new WeakMap<Pick<Mapping, 'fields' | 'key'>, ReadonlySet<string>>();

function numericFields(mapping: Pick<Mapping, 'fields' | 'key'>): ReadonlySet<string> {
  let set = numericFieldsOf.get(mapping);
  if (!set) {
    set = new Set(
      Object.keys(mapping.fields).filter((f) => {
        const t = mapping.fields[f]?.type;
        return (t === 'decimal' || t === 'integer') && !mapping.key.includes(f);
      }),
    );
    numericFieldsOf.set(mapping, set);
  }
  return set;
}

/**
 * The absolute variance a difference shows, as a decimal string, or null when nothing numeric
 * differs: of the values in the difference's own order, the first of the largest. Called for every
 * difference a run records (no array made per call).
 */
export function varianceOf(diff: Difference, mapping: Pick<Mapping, 'fields' | 'key'>): string | null {
  switch (diff.type) {
    case 'mismatch': {
      const numeric = numericFields(mapping);
      let best: string | null = null;
      for (const f in diff.fields) if (numeric.has(f)) best = maxAbsWith(best, diff.fields[f]!.delta);
      return best;
    }
    case 'missing_in_cloud':
    case 'missing_in_legacy': {
      const numeric = numericFields(mapping);
      const row = diff.type === 'missing_in_cloud' ? diff.legacy : diff.cloud;
      let best: string | null = null;
      for (const f in row) if (numeric.has(f)) best = maxAbsWith(best, row[f]);
      return best;
    }
    case 'unbalanced_journal':
      return maxAbsWith(null, diff.balance.difference);
    default:
      return null;
  }
}

/** Severity from the variance: ≥ high threshold → high, ≥ medium → medium, else low; unmeasurable → by kind. */
export function sizeSeverity(
  kind: ExceptionKind,
  variance: string | null,
  thresholds?: { high?: string; medium?: string },
): Severity {
  if (kind === 'duplicate_key' || kind === 'rollback_conflict') return 'high';
  if (variance === null) return kind === 'replay_parked' ? 'low' : 'medium';
  if (decimalGte(variance, thresholds?.high ?? defaultThresholds.high)) return 'high';
  if (decimalGte(variance, thresholds?.medium ?? defaultThresholds.medium)) return 'medium';
  return 'low';
}

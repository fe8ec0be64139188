/**
 * Materiality (SPEC "Sign-off"): is a run's difference small enough to sign off? Judged on the
 * control totals' ABSOLUTE differences (`totalsSummary[].absDifference`, the sum of |line
 * differences|, so offsetting errors cannot net away), exactly (BigInt, never floating point):
 *
 * - the totals judged are the money totals (those with a currency) when the run has any, else every
 *   control total;
 * - each judged total must be within every bound given, inclusive: `amount` (absDifference ≤ amount)
 *   and `share` (absDifference ≤ share × |legacy total|; a zero legacy total allows only zero);
 * - the run's `absDifference` is that of the total that decides: the first one out of bounds when
 *   the run is material, else the largest.
 *
 * Materiality never hides a difference: every difference is still stored, reported and queued; only
 * `--fail-on material` reads it, for the exit code.
 */
import type { Materiality, TotalsSummaryEntry } from './types.js';
import { formatDecimal, parseExact, pow10, type ExactDecimal } from '../util/exact-decimal.js';
import { formatFigure } from '../util/figures.js';

/** The mapping's bounds: decimal text, as written. */
export interface MaterialityBounds {
  amount?: string;
  share?: string;
}

const abs = (d: ExactDecimal): ExactDecimal => ({ units: d.units < 0n ? -d.units : d.units, scale: d.scale });

/** a ≤ b, exactly. */
function atMost(a: ExactDecimal, b: ExactDecimal): boolean {
  const s = Math.max(a.scale, b.scale);
  return a.units * pow10(s - a.scale) <= b.units * pow10(s - b.scale);
}

/** share × |legacy|, exactly. */
function allowance(share: ExactDecimal, legacy: ExactDecimal): ExactDecimal {
  return { units: share.units * abs(legacy).units, scale: share.scale + legacy.scale };
}

/** Which bound a total breaks, if any. */
function breach(t: TotalsSummaryEntry, b: MaterialityBounds): 'amount' | 'share' | undefined {
  const diff = abs(parseExact(t.absDifference));
  if (b.amount !== undefined && !atMost(diff, parseExact(b.amount))) return 'amount';
  if (b.share !== undefined && !atMost(diff, allowance(parseExact(b.share), parseExact(t.legacy))))
    return 'share';
  return undefined;
}

/**
 * Judges a run against its mapping's materiality. `stopped`: the run did not compare every row, so
 * it is material whatever its totals say (it cannot be signed off).
 */
export function judgeMateriality(
  bounds: MaterialityBounds,
  entries: readonly TotalsSummaryEntry[],
  opts: { stopped?: boolean } = {},
): Materiality {
  const money = entries.filter((t) => t.currency);
  const judged = money.length ? money : [...entries];
  let decisive: TotalsSummaryEntry | undefined;
  let broken: 'amount' | 'share' | undefined;
  for (const t of judged) {
    broken = breach(t, bounds);
    if (broken) {
      decisive = t;
      break;
    }
    if (!decisive || !atMost(abs(parseExact(t.absDifference)), abs(parseExact(decisive.absDifference))))
      decisive = t;
  }
  const material = Boolean(broken) || Boolean(opts.stopped);
  return {
    ...(bounds.amount !== undefined ? { amount: bounds.amount } : {}),
    ...(bounds.share !== undefined ? { share: bounds.share } : {}),
    absDifference: decisive?.absDifference ?? '0',
    material,
    ...(decisive
      ? {
          total: {
            group: decisive.group,
            field: decisive.field,
            ...(decisive.currency ? { currency: decisive.currency } : {}),
            legacy: decisive.legacy,
            absDifference: decisive.absDifference,
          },
        }
      : {}),
    ...(broken ? { exceeds: broken } : {}),
    ...(opts.stopped ? { reason: 'the run stopped before comparing every row' } : {}),
  };
}

/**
 * The verdict as a person reads it, with the figures: "within materiality: absolute difference
 * 8.50 USD (on hand value; legacy total 120,000.00 USD) ≤ amount 250.00 USD and ≤ share 0.0005 of
 * the legacy total (60.00 USD)". The differences themselves are always shown beside it.
 */
export function materialityText(m: Materiality): string {
  const currency = m.total?.currency;
  const fig = (v: string) => formatFigure(v, { currency });
  const where = m.total
    ? ` (${m.total.group} ${m.total.field}; legacy total ${fig(m.total.legacy)})`
    : ' (no control total)';
  const bounds: string[] = [];
  if (m.amount !== undefined) bounds.push(`amount ${fig(m.amount)}`);
  if (m.share !== undefined) {
    const allowed = m.total
      ? (() => {
          const a = allowance(parseExact(m.share), parseExact(m.total.legacy));
          return ` of the legacy total (${fig(formatDecimal(a.units, a.scale))})`;
        })()
      : '';
    bounds.push(`share ${m.share}${allowed}`);
  }
  const head = m.material ? 'NOT within materiality' : 'within materiality';
  const rel = m.material ? (m.reason ? `; ${m.reason}` : `, above the ${m.exceeds} bound`) : '';
  return `${head}: absolute difference ${fig(m.absDifference)}${where}${rel}; bounds ${bounds.join(', ')} (inclusive)`;
}

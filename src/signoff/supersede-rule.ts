/**
 * When does a later run of a mapping void a certification (docs/signoff.md "What supersedes a
 * certification")? When its figures moved beyond materiality:
 *
 * - the later run stopped (it did not compare every row: always material), or
 * - the mapping has materiality and the later run is NOT within it, or
 * - the mapping has materiality and the run's absolute difference moved, up or down, by more than
 *   the materiality amount (by more than share × |legacy total| when only a share is given) from
 *   the certified run's: a move of exactly the amount does not supersede (bounds are inclusive);
 * - the mapping has no materiality: any change in the difference counts or in a control total's
 *   absolute difference.
 *
 * Exact decimal arithmetic throughout, never floating point.
 */
import { formatExact, parseExact, pow10, type ExactDecimal } from '../util/exact-decimal.js';

/** The slice of a reconcile summary the rule reads. */
export interface RunFigures {
  runId: string;
  status: string;
  counts?: object;
  materiality?: {
    amount?: string;
    share?: string;
    absDifference: string;
    material: boolean;
    total?: { legacy: string };
  };
  totalsSummary?: { group: string; field: string; absDifference: string }[];
}

/** The difference counts compared when the mapping has no materiality. */
const DIFFERENCE_COUNTS = [
  'mismatched',
  'missingInCloud',
  'missingInLegacy',
  'duplicateKeys',
  'unbalancedJournals',
];

const abs = (d: ExactDecimal): ExactDecimal => ({ units: d.units < 0n ? -d.units : d.units, scale: d.scale });

function minus(a: ExactDecimal, b: ExactDecimal): ExactDecimal {
  const s = Math.max(a.scale, b.scale);
  return { units: a.units * pow10(s - a.scale) - b.units * pow10(s - b.scale), scale: s };
}

function greater(a: ExactDecimal, b: ExactDecimal): boolean {
  const s = Math.max(a.scale, b.scale);
  return a.units * pow10(s - a.scale) > b.units * pow10(s - b.scale);
}

/** The largest control-total absolute difference of a run (its materiality's when it has one). */
function absDifferenceOf(run: RunFigures): ExactDecimal {
  if (run.materiality) return abs(parseExact(run.materiality.absDifference));
  let max: ExactDecimal = { units: 0n, scale: 0 };
  for (const t of run.totalsSummary ?? []) {
    const d = abs(parseExact(t.absDifference));
    if (greater(d, max)) max = d;
  }
  return max;
}

/** How far the absolute difference may move: the amount, else share × |legacy total|. */
function allowedMove(m: NonNullable<RunFigures['materiality']>): ExactDecimal | undefined {
  if (m.amount !== undefined) return abs(parseExact(m.amount));
  if (m.share !== undefined && m.total) {
    const share = parseExact(m.share);
    const legacy = abs(parseExact(m.total.legacy));
    return { units: share.units * legacy.units, scale: share.scale + legacy.scale };
  }
  return undefined;
}

/**
 * Why `later` supersedes a certification of `certified` (a sentence for the history), or undefined
 * when the figures did not move beyond materiality.
 */
export function supersedeReason(certified: RunFigures, later: RunFigures): string | undefined {
  if (later.status === 'stopped') return 'it stopped before comparing every row';
  const m = later.materiality;
  if (m) {
    if (m.material) return `it is NOT within materiality (absolute difference ${m.absDifference})`;
    const before = absDifferenceOf(certified);
    const after = abs(parseExact(m.absDifference));
    const moved = abs(minus(after, before));
    const allowed = allowedMove(m);
    if (allowed && greater(moved, allowed))
      return `the absolute difference moved from ${formatExact(before)} to ${formatExact(after)} (by ${formatExact(moved)}, more than ${formatExact(allowed)})`;
    return undefined;
  }
  const changed: string[] = [];
  for (const c of DIFFERENCE_COUNTS) {
    const a = Number((certified.counts as Record<string, unknown> | undefined)?.[c] ?? 0);
    const b = Number((later.counts as Record<string, unknown> | undefined)?.[c] ?? 0);
    if (a !== b) changed.push(`${c} ${a} → ${b}`);
  }
  const key = (t: { group: string; field: string }) => `${t.group} ${t.field}`;
  const before = new Map((certified.totalsSummary ?? []).map((t) => [key(t), parseExact(t.absDifference)]));
  const after = new Map((later.totalsSummary ?? []).map((t) => [key(t), parseExact(t.absDifference)]));
  for (const k of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(k) ?? { units: 0n, scale: 0 };
    const b = after.get(k) ?? { units: 0n, scale: 0 };
    if (minus(a, b).units !== 0n)
      changed.push(`${k} absolute difference ${formatExact(a)} → ${formatExact(b)}`);
  }
  return changed.length ? `the differences changed (no materiality set): ${changed.join(', ')}` : undefined;
}

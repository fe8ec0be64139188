/**
 * The detectors' first look at one difference: every cause it could belong to, each named by a
 * signature (kind, field and parameters), so equal explanations across rows add up. Pure and
 * deterministic; the diagnosis decides which signatures hold (diagnose.ts) and gives each difference
 * to at most one of them.
 */
import type {
  Difference,
  FieldDelta,
  MismatchDifference,
  MissingInCloudDifference,
  MissingInLegacyDifference,
  Side,
} from '../reconcilers/types.js';
import { formatExact, pow10 } from '../util/exact-decimal.js';
import type { CauseKind } from './types.js';
import { exact, fractionToDecimal, isDecimal, isTimestamp, isZero, ratio, timestampMs } from './values.js';

/** One possible explanation of one difference. */
export interface Candidate {
  kind: CauseKind;
  /** kind|field|parameters: equal for rows the same cause would explain. */
  sig: string;
  field?: string;
  evidence: Record<string, string>;
  /** batch_lag: the instant (ms) of the side that is ahead. */
  at?: number;
  /** code_substitution: the consistency key (field and legacy code). */
  code?: string;
}

/** Fields that are part of the record key (never the subject of a field cause). */
export interface CandidateContext {
  keyFields: ReadonlySet<string>;
}

/** Every candidate explanation of `d`, in detector order. */
export function candidatesOf(d: Difference, ctx: CandidateContext): Candidate[] {
  switch (d.type) {
    case 'mismatch':
      return mismatchCandidates(d, ctx);
    case 'missing_in_cloud':
    case 'missing_in_legacy':
      return missingCandidates(d, ctx);
    case 'duplicate_key':
      return [
        {
          kind: 'duplicate_posting',
          sig: `duplicate_posting||${d.side}`,
          evidence: { side: d.side },
        },
      ];
    case 'unbalanced_journal': {
      const diff = d.balance.difference;
      if (diff && isDecimal(diff) && !isZero(diff) && withinCent(diff)) return [rowRounding()];
      return [];
    }
  }
}

const CENT = exact('0.01');

function absUnitsAt(text: string, scale: number): bigint {
  const d = exact(text);
  const u = d.scale <= scale ? d.units * pow10(scale - d.scale) : d.units;
  return u < 0n ? -u : u;
}

function withinCent(text: string): boolean {
  const d = exact(text);
  const s = Math.max(d.scale, CENT.scale);
  return absUnitsAt(text, s) <= absUnitsAt('0.01', s);
}

function rowRounding(): Candidate {
  return { kind: 'rounding', sig: 'rounding||0.01', evidence: { maxDelta: '0.01' } };
}

function scaleOf(v: string): number {
  const i = v.indexOf('.');
  return i < 0 ? 0 : v.length - i - 1;
}

function mismatchCandidates(d: MismatchDifference, ctx: CandidateContext): Candidate[] {
  const out: Candidate[] = [];
  for (const [field, f] of Object.entries(d.fields)) out.push(...fieldCandidates(field, f));
  out.push(...staleCandidates(d, ctx));
  return out;
}

/** What can explain one differing field. */
export function fieldCandidates(field: string, f: FieldDelta): Candidate[] {
  const { legacy: l, cloud: c } = f;
  const out: Candidate[] = [];
  if (l === null || c === null) {
    const other = l ?? c;
    if (other !== null && isDecimal(other) && isZero(other)) {
      const nullSide = l === null ? 'legacy' : 'cloud';
      out.push({
        kind: 'null_vs_zero',
        sig: `null_vs_zero|${field}|${nullSide}`,
        field,
        evidence: { nullSide },
      });
    }
    return out;
  }
  if (isDecimal(l) && isDecimal(c)) {
    const r = ratio(l, c);
    if (r) {
      const [num, den] = r;
      if (num === -den) out.push({ kind: 'sign_flip', sig: `sign_flip|${field}|`, field, evidence: {} });
      else if (num !== den && num !== 0n) {
        const factor = fractionToDecimal(num, den);
        // cloud = legacy ÷ k is said as a divisor (a unit left in cases), as a factor when it also terminates.
        const evidence: Record<string, string> = {
          ...(factor ? { factor } : {}),
          ...((num === 1n || num === -1n) && den > 1n ? { divisor: String(num * den) } : {}),
        };
        if (!factor && !evidence.divisor) evidence.ratio = `${num}/${den}`;
        out.push({ kind: 'unit_factor', sig: `unit_factor|${field}|${num}/${den}`, field, evidence });
      }
    }
    const s = Math.max(scaleOf(l), scaleOf(c));
    if (s >= 1) {
      const max = s >= 2 ? pow10(s - 2) : 1n; // a cent, or the last digit of a one-decimal field
      const el = exact(l);
      const ec = exact(c);
      const delta = ec.units * pow10(s - ec.scale) - el.units * pow10(s - el.scale);
      if (delta !== 0n && (delta < 0n ? -delta : delta) <= max) {
        const maxDelta = formatExact({ units: max, scale: s });
        out.push({ kind: 'rounding', sig: `rounding|${field}|${maxDelta}`, field, evidence: { maxDelta } });
      }
    }
    if (scaleOf(l) === 0 && scaleOf(c) === 0) out.push(codeCandidate(field, l, c));
    return out;
  }
  if (isTimestamp(l) && isTimestamp(c)) {
    // delta is cloud − legacy in ms (or in ms with 3 decimals at microsecond precision).
    const ms = f.delta && isDecimal(f.delta) ? exact(f.delta) : undefined;
    if (ms && ms.units !== 0n) {
      const seconds = formatExact({ units: ms.units, scale: ms.scale + 3 });
      out.push({ kind: 'time_shift', sig: `time_shift|${field}|${seconds}`, field, evidence: { seconds } });
    }
    return out;
  }
  const transform =
    l.trim() === c.trim()
      ? 'trim'
      : l.toLowerCase() === c.toLowerCase()
        ? 'case'
        : l.trim().toLowerCase() === c.trim().toLowerCase()
          ? 'trim+case'
          : undefined;
  if (transform)
    out.push({
      kind: 'padding_or_case',
      sig: `padding_or_case|${field}|${transform}`,
      field,
      evidence: { transform },
    });
  else out.push(codeCandidate(field, l, c));
  return out;
}

function codeCandidate(field: string, l: string, c: string): Candidate {
  return {
    kind: 'code_substitution',
    sig: `code_substitution|${field}|${JSON.stringify([l, c])}`,
    field,
    evidence: { legacy: l, cloud: c },
    code: `${field}\u0000${l}`,
  };
}

/**
 * A mismatch whose rows carry a timestamp that is not compared (updated_at) and differs: the side
 * with the later one has a change the other has not received yet (batch_lag).
 */
function staleCandidates(d: MismatchDifference, ctx: CandidateContext): Candidate[] {
  const out: Candidate[] = [];
  const l = d.legacy;
  const c = d.cloud;
  for (const [field, lv] of Object.entries(l)) {
    const cv = c[field];
    if (ctx.keyFields.has(field) || d.fields[field] || !isTimestamp(lv) || !isTimestamp(cv) || lv === cv)
      continue;
    const lm = timestampMs(lv);
    const cm = timestampMs(cv);
    if (lm === cm) continue;
    const side = lm > cm ? 'legacy' : 'cloud';
    out.push(lagCandidate(field, side, Math.max(lm, cm)));
  }
  return out;
}

function lagCandidate(field: string, side: Side, at: number): Candidate {
  return { kind: 'batch_lag', sig: `batch_lag|${field}|${side}`, field, evidence: { side }, at };
}

function missingCandidates(
  d: MissingInCloudDifference | MissingInLegacyDifference,
  ctx: CandidateContext,
): Candidate[] {
  const side = d.type === 'missing_in_cloud' ? 'legacy' : 'cloud';
  const row = d.type === 'missing_in_cloud' ? d.legacy : d.cloud;
  const out: Candidate[] = [];
  for (const [field, v] of Object.entries(row))
    if (!ctx.keyFields.has(field) && isTimestamp(v)) out.push(lagCandidate(field, side, timestampMs(v)));
  // A row that only carries a cent or less (a rounding line).
  let numbers = 0;
  let tiny = true;
  let nonzero = false;
  for (const [field, v] of Object.entries(row)) {
    if (ctx.keyFields.has(field) || !isDecimal(v) || scaleOf(v) === 0) continue;
    numbers++;
    if (!withinCent(v)) tiny = false;
    if (!isZero(v)) nonzero = true;
  }
  if (numbers > 0 && tiny && nonzero) out.push(rowRounding());
  return out;
}

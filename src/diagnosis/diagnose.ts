/**
 * Diagnosis of a run's stored differences, in two passes so a million differences never sit in
 * memory: the first counts every candidate explanation (candidates.ts) and decides which hold, the
 * second gives each difference to the one holding cause that explains most rows, and measures each
 * cause (count, impact, samples, where). Deterministic: the same differences give the same causes.
 */
import {
  recordRow,
  rowOf,
  type CanonicalValue,
  type Difference,
  type RecordDifference,
} from '../reconcilers/types.js';
import { formatDecimal, roundDiv } from '../util/exact-decimal.js';
import { candidatesOf, type Candidate } from './candidates.js';
import { suggestionFor } from './suggest.js';
import { causeKinds, type Cause, type CauseKind, type Confidence, type Diagnosis } from './types.js';
import type { DifferenceSource } from '../store/differences.js';
import { isDecimal, isTimestamp, timestampMs, ExactSum } from './values.js';
import { DimensionCounts, SharedDimensions, dimensionsOf } from './where.js';

/** A source of the run's differences, read once per pass, in run order (the store's type). */
export type { DifferenceSource } from '../store/differences.js';

export interface DiagnoseOptions {
  runId: string;
  source: DifferenceSource;
  /** Fields that hold money (a `currency` in the mapping): their impact is an amount, others a quantity. */
  moneyFields?: ReadonlySet<string>;
  /** The mapping's decimal and integer fields: the measures an impact may be taken on. */
  measureFields?: ReadonlySet<string>;
  /** Differences up to which the first pass's work is kept for the next (REUSE_MAX unless a test says otherwise). */
  reuseMax?: number;
}

/** The diagnosis and, per cause (same order), the seqs of the differences it explains. */
export interface DiagnosisResult {
  diagnosis: Diagnosis;
  members: number[][];
}

/** Rows a signature needs before it counts as a cause. */
const MIN_ROWS: Record<CauseKind, number> = {
  unit_factor: 3,
  time_shift: 3,
  code_substitution: 2,
  batch_lag: 3,
  duplicate_posting: 1,
  sign_flip: 1,
  rounding: 1,
  padding_or_case: 1,
  null_vs_zero: 1,
};
/** Rows from which a cause is held with high confidence. */
const HIGH_ROWS: Record<CauseKind, number> = {
  unit_factor: 10,
  time_shift: 10,
  code_substitution: 10,
  batch_lag: 10,
  duplicate_posting: 1,
  sign_flip: 5,
  rounding: 3,
  padding_or_case: 1,
  null_vs_zero: 1,
};
/**
 * Kinds whose parameter is a free number (a factor, an offset): among many unrelated differences on
 * a field, some share one by chance (12.5 → 25 and 40 → 80 both say ×2). Such a signature must also
 * explain this share of its field's candidates of that kind, so noise stays unexplained.
 */
const SIGNIFICANT_SHARE: Partial<Record<CauseKind, bigint>> = { unit_factor: 1000n, time_shift: 1000n };
/** batch_lag: the late rows must fall in this share of the time the run's differences span. */
const LAG_WINDOW = 0.1;
/** ...and at least this many times denser there than before it. */
const LAG_DENSITY = 5;

interface SigStat {
  first: Candidate;
  count: number;
  ats?: number[];
}

interface Accepted {
  cand: Candidate;
  evidence: Record<string, string>;
  /** Rows it could explain (pass 1): the larger wins a difference several causes explain. */
  weight: number;
  /** batch_lag: only rows at or after this instant. */
  after?: number;
}

interface Tally {
  acc: Accepted;
  count: number;
  seqs: number[];
  samples: Record<string, CanonicalValue>[];
  shared: SharedDimensions;
  impactField?: string;
  impact: ExactSum;
  impactSeen: boolean;
}

const ORDER = new Map<string, number>(causeKinds.map((k, i) => [k, i]));

/**
 * Differences up to which the first pass keeps what the passes after it need of each one's
 * candidates, which they would otherwise work out again, each. A run with more works them out on
 * each pass (a million differences are never held in memory); its first pass drops what it kept
 * once past this.
 */
const REUSE_MAX = 131_072;

/**
 * What the passes after the first need of one difference's candidates: each one's signature (the
 * first pass's string for it, shared by every difference with it) and instant (batch_lag). A few
 * bytes a difference: its candidates' evidence and its dimensions are not kept (the dimensions are
 * worked out again for the differences a cause explains).
 */
type Worked = { sig: string; at?: number }[];

/**
 * The first pass's work, kept for the passes after it (REUSE_MAX): the ith difference's at i, with
 * its seq (a later pass that meets another difference at i, from a source that changed meanwhile,
 * works them out again from there). Those before `from` were worked out before the last key field
 * was seen (the key fields only grow, and the candidates depend on them), so they are worked out
 * again.
 */
interface Reuse {
  worked: Worked[];
  seqs: number[];
  from: number;
}

/** Explains the differences of a run as causes. */
export async function diagnose(opts: DiagnoseOptions): Promise<DiagnosisResult> {
  const keyFields = new Set<string>();
  const stats = new Map<string, SigStat>();
  const codes = new Map<string, string | null>();
  const spans = new Map<string, [number, number]>();
  const dims = new DimensionCounts();
  /** kind|field: rows with a candidate of that kind on that field (for SIGNIFICANT_SHARE). */
  const perField = new Map<string, number>();
  let total = 0;
  let reuse: Reuse | undefined = { worked: [], seqs: [], from: 0 };

  // Pass 1: every candidate, counted.
  for await (const { seq, diff } of opts.source()) {
    total++;
    if (diff.type !== 'unbalanced_journal')
      for (const k of Object.keys(diff.key))
        if (!keyFields.has(k)) {
          keyFields.add(k);
          if (reuse) reuse.from = total - 1;
        }
    const worked: Worked | undefined = reuse && [];
    for (const c of candidatesOf(diff, { keyFields })) {
      let s = stats.get(c.sig);
      if (!s) stats.set(c.sig, (s = { first: c, count: 0 }));
      s.count++;
      worked?.push(c.at === undefined ? { sig: s.first.sig } : { sig: s.first.sig, at: c.at });
      if (SIGNIFICANT_SHARE[c.kind]) {
        const pf = `${c.kind}|${c.field ?? ''}`;
        perField.set(pf, (perField.get(pf) ?? 0) + 1);
      }
      if (c.at !== undefined) (s.ats ??= []).push(c.at);
      if (c.code !== undefined) {
        const seen = codes.get(c.code);
        if (seen === undefined) codes.set(c.code, c.evidence.cloud ?? null);
        else if (seen !== c.evidence.cloud) codes.set(c.code, null);
      }
    }
    for (const row of [rowOf(diff, 'legacy'), rowOf(diff, 'cloud')])
      for (const [f, v] of Object.entries(row ?? {}))
        if (isTimestamp(v)) {
          const t = timestampMs(v);
          const sp = spans.get(f);
          if (!sp) spans.set(f, [t, t]);
          else if (t < sp[0]) sp[0] = t;
          else if (t > sp[1]) sp[1] = t;
        }
    dims.add(dimensionsOf(diff, keyFields));
    if (reuse && reuse.worked.push(worked!) > (opts.reuseMax ?? REUSE_MAX)) reuse = undefined;
    reuse?.seqs.push(seq);
  }

  // Which signatures hold.
  const accepted = new Map<string, Accepted>();
  for (const [sig, s] of stats) {
    const kind = s.first.kind;
    if (kind === 'code_substitution' && codes.get(s.first.code!) === null) continue;
    if (kind === 'batch_lag') {
      const lag = lateRows(s.ats ?? [], spans.get(s.first.field!));
      if (!lag || lag.count < MIN_ROWS.batch_lag) continue;
      accepted.set(sig, {
        cand: s.first,
        evidence: {
          field: s.first.field!,
          after: new Date(lag.after).toISOString(),
          side: s.first.evidence.side!,
        },
        weight: lag.count,
        after: lag.after,
      });
      continue;
    }
    if (s.count < MIN_ROWS[kind]) continue;
    const per = SIGNIFICANT_SHARE[kind];
    if (per && BigInt(s.count) * per < BigInt(perField.get(`${kind}|${s.first.field ?? ''}`) ?? 0)) continue;
    accepted.set(sig, { cand: s.first, evidence: s.first.evidence, weight: s.count });
  }
  stats.clear();

  // Pass 2: each difference to its best cause. A cause left with fewer rows than it needs (others
  // explained them better) is dropped and the pass repeated, so its rows go to their next best.
  let tallies = await assign(opts, accepted, keyFields, reuse);
  for (let round = 0; round < 5; round++) {
    const weak = [...tallies.values()].filter((t) => t.count < MIN_ROWS[t.acc.cand.kind]);
    if (!weak.length) break;
    for (const t of weak) accepted.delete(t.acc.cand.sig);
    tallies = await assign(opts, accepted, keyFields, reuse);
  }

  const ordered = [...tallies.values()].sort(
    (a, b) =>
      b.count - a.count ||
      ORDER.get(a.acc.cand.kind)! - ORDER.get(b.acc.cand.kind)! ||
      (a.acc.cand.sig < b.acc.cand.sig ? -1 : 1),
  );
  const causes: Cause[] = ordered.map((t) => toCause(t, total, dims, keyFields, opts.moneyFields));
  const explained = causes.reduce((n, c) => n + c.count, 0);
  return {
    diagnosis: { runId: opts.runId, differences: total, explained, unexplained: total - explained, causes },
    members: ordered.map((t) => t.seqs),
  };
}

/** One pass over the differences giving each to the accepted cause with the most candidate rows. */
async function assign(
  opts: DiagnoseOptions,
  accepted: Map<string, Accepted>,
  keyFields: ReadonlySet<string>,
  reuse: Reuse | undefined,
): Promise<Map<string, Tally>> {
  const tallies = new Map<string, Tally>();
  if (!accepted.size) return tallies;
  let i = -1;
  let kept = reuse;
  for await (const { seq, diff } of opts.source()) {
    i++;
    if (kept && kept.seqs[i] !== seq) kept = undefined;
    let best: Accepted | undefined;
    for (const c of (kept && i >= kept.from ? kept.worked[i] : undefined) ??
      candidatesOf(diff, { keyFields })) {
      const a = accepted.get(c.sig);
      if (!a || (a.after !== undefined && (c.at ?? -Infinity) < a.after)) continue;
      if (!best || a.weight > best.weight || (a.weight === best.weight && before(a, best))) best = a;
    }
    if (!best) continue;
    let t = tallies.get(best.cand.sig);
    if (!t)
      tallies.set(
        best.cand.sig,
        (t = {
          acc: best,
          count: 0,
          seqs: [],
          samples: [],
          shared: new SharedDimensions(),
          impact: new ExactSum(),
          impactSeen: false,
        }),
      );
    t.count++;
    t.seqs.push(seq);
    if (t.samples.length < 5) t.samples.push(diff.key);
    t.shared.add(dimensionsOf(diff, keyFields));
    addImpact(t, diff, keyFields, opts.measureFields);
  }
  return tallies;
}

function before(a: Accepted, b: Accepted): boolean {
  const ka = ORDER.get(a.cand.kind)!;
  const kb = ORDER.get(b.cand.kind)!;
  return ka !== kb ? ka < kb : a.cand.sig < b.cand.sig;
}

/**
 * The late rows of a batch_lag signature: the most rows at the end of its instants that fall within
 * LAG_WINDOW of the time all the run's differences span on that field.
 */
function lateRows(
  ats: number[],
  span: [number, number] | undefined,
): { after: number; count: number } | undefined {
  if (!ats.length || !span) return undefined;
  const sorted = Float64Array.from(ats).sort();
  const last = sorted[sorted.length - 1]!;
  const width = (span[1] - span[0]) * LAG_WINDOW;
  let i = sorted.length - 1;
  while (i > 0 && last - sorted[i - 1]! <= width) i--;
  // Concentrated: the late rows are far denser in their window than the earlier rows before it.
  const after = sorted[i]!;
  // A batch not yet loaded is the last one: the late rows start in the last 20% of the span.
  if (after < span[1] - 2 * width) return undefined;
  const late = sorted.length - i;
  const early = after - span[0];
  const lateWidth = Math.max(last - after, width / 10, 1);
  if (i > 0 && early > 0 && late / lateWidth < LAG_DENSITY * (i / early)) return undefined;
  return { after, count: late };
}

function numericField(row: Record<string, CanonicalValue> | undefined, f: string): string | undefined {
  const v = row?.[f];
  return isDecimal(v) ? v : undefined;
}

/**
 * The measure a cause puts at stake when its own field is not a number: the first differing number
 * of a mismatch, else the row's first number that is not part of the key (mapping field order).
 */
function measureField(
  d: RecordDifference,
  keyFields: ReadonlySet<string>,
  measures: ReadonlySet<string> | undefined,
): string | undefined {
  // Without the mapping, a number is text with a decimal point (codes such as account 1100 are not).
  const measure = (f: string, v: unknown) =>
    !keyFields.has(f) && isDecimal(v) && (measures ? measures.has(f) : v.includes('.'));
  if (d.type === 'mismatch') {
    const differing = Object.entries(d.fields).find(([f, v]) => measure(f, v.legacy ?? v.cloud))?.[0];
    if (differing) return differing;
  }
  const row = recordRow(d);
  return Object.keys(row).find((f) => measure(f, row[f]));
}

function addImpact(
  t: Tally,
  d: Difference,
  keyFields: ReadonlySet<string>,
  measures: ReadonlySet<string> | undefined,
): void {
  const cand = t.acc.cand;
  const fieldIsNumber =
    ['unit_factor', 'sign_flip', 'null_vs_zero'].includes(cand.kind) ||
    (cand.kind === 'rounding' && cand.field);
  if (d.type === 'unbalanced_journal') {
    const diff = d.balance.difference;
    if (diff && isDecimal(diff)) {
      t.impactField ??= 'balance';
      t.impact.add(diff);
      t.impactSeen = true;
    }
    return;
  }
  if (!t.impactField) t.impactField = fieldIsNumber ? cand.field : measureField(d, keyFields, measures);
  const f = t.impactField;
  if (!f) return;
  const l = numericField(rowOf(d, 'legacy'), f);
  const c = numericField(rowOf(d, 'cloud'), f);
  if (d.type === 'mismatch') {
    if (fieldIsNumber || cand.kind === 'batch_lag') {
      // What the cloud shows minus what legacy shows.
      if (c) t.impact.add(c);
      if (l) t.impact.add(l, true);
    } else if (l ?? c) t.impact.add((l ?? c)!); // the value whose field is wrong: at stake
  } else if (d.type === 'missing_in_cloud' && l) t.impact.add(l, true);
  else if (d.type === 'missing_in_legacy' && c) t.impact.add(c);
  else if (d.type === 'duplicate_key') {
    if (c) t.impact.add(c);
    if (l) t.impact.add(l, true);
  }
  if (l || c) t.impactSeen = true;
}

function confidence(kind: CauseKind, count: number): Confidence {
  if (count >= HIGH_ROWS[kind]) return 'high';
  return count >= MIN_ROWS[kind] ? 'medium' : 'low';
}

function toCause(
  t: Tally,
  total: number,
  dims: DimensionCounts,
  keyFields: ReadonlySet<string>,
  money: ReadonlySet<string> | undefined,
): Cause {
  const cand = t.acc.cand;
  const where = t.shared.pick(t.count, dims, cand.field, keyFields);
  const f = t.impactField;
  const base: Omit<Cause, 'suggestion'> = {
    kind: cand.kind,
    ...(cand.field ? { field: cand.field } : {}),
    count: t.count,
    share: formatDecimal(roundDiv(BigInt(t.count) * 10_000n, BigInt(Math.max(total, 1))), 4),
    ...(where ? { where } : {}),
    evidence: t.acc.evidence,
    ...(f && t.impactSeen
      ? {
          impact: {
            field: f,
            ...(money?.has(f) ? { amount: t.impact.text() } : { quantity: t.impact.text() }),
          },
        }
      : {}),
    confidence: confidence(cand.kind, t.count),
    sampleKeys: t.samples,
  };
  return { ...base, suggestion: suggestionFor(base) };
}

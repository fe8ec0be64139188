/** Result types of a reconcile run: the engine yields them, reports and the exception queue consume them. */

export type DifferenceType =
  'mismatch' | 'missing_in_cloud' | 'missing_in_legacy' | 'duplicate_key' | 'unbalanced_journal';

/** A canonical value: exact decimal string at the field's scale, ISO UTC timestamp, or text; null stays null. */
export type CanonicalValue = string | null;
export type CanonicalRow = Record<string, CanonicalValue>;

/** One differing field of a mismatch. `delta` = cloud − legacy for numbers and timestamps (ms), else absent. */
export interface FieldDelta {
  legacy: CanonicalValue;
  cloud: CanonicalValue;
  delta?: string | null;
}

/** One difference, as written to differences.jsonl (one JSON object a line). */
export interface Difference {
  type: DifferenceType;
  /** The record key, field by field (canonical values). For unbalanced_journal: { journal }. */
  key: Record<string, CanonicalValue>;
  /** mismatch: each differing field. */
  fields?: Record<string, FieldDelta>;
  /** duplicate_key and unbalanced_journal: the side it was seen on. */
  side?: 'legacy' | 'cloud';
  /** duplicate_key: how many rows share the key on that side. */
  count?: number;
  /** The legacy row's canonical values (mismatch, missing_in_cloud, duplicate_key on legacy). */
  legacy?: CanonicalRow;
  /** The cloud row's canonical values (mismatch, missing_in_legacy, duplicate_key on cloud). */
  cloud?: CanonicalRow;
  /** unbalanced_journal: debit and credit totals and their difference. */
  balance?: { debit: string; credit: string; difference: string };
}

import type { Cause } from './cause-types.js';

/** One control-total line, compared side by side. */
export interface TotalLine {
  /** Which total this line belongs to: "on_hand by location", "trial balance", "amount by status"... */
  group: string;
  by: Record<string, CanonicalValue>;
  field: string;
  legacy: string;
  cloud: string;
  difference: string;
  /** Scale of the figures, for report number formats. */
  scale?: number;
}

/**
 * One control total summed over many lines (SPEC: CLI conventions, `totalsSummary`): the net
 * difference and what it can hide — the absolute difference (sum of |line differences|), the lines
 * with a variance and the largest line. Figures are exact decimal strings; `largest` is null when
 * no line differs. A group broken down by currency has one entry per currency.
 */
export interface TotalsSummaryEntry {
  group: string;
  field: string;
  currency?: string;
  lines: number;
  linesWithVariance: number;
  legacy: string;
  cloud: string;
  difference: string;
  absDifference: string;
  largest: { by: Record<string, CanonicalValue>; difference: string } | null;
}

export interface ReconcileCounts {
  legacy: number;
  cloud: number;
  matched: number;
  mismatched: number;
  missingInCloud: number;
  missingInLegacy: number;
  duplicateKeys: number;
  /** postings only */
  unbalancedJournals?: number;
}

/** Which system and source each side read, passwords masked. */
export interface SideDescription {
  connection: string;
  url: string;
  source: string;
  rows: number;
}

/** The --json summary of one mapping's run (SPEC: Reconciliation results), plus report metadata. */
export interface ReconcileSummary {
  runId: string;
  name: string;
  domain?: string;
  status: 'clean' | 'differences';
  counts: ReconcileCounts;
  fieldMismatches: Record<string, number>;
  totals: TotalLine[];
  /** Per control-total group: net and absolute difference, lines with a variance, the largest line. */
  totalsSummary?: TotalsSummaryEntry[];
  checks?: Record<string, unknown>;
  exceptions?: { opened: number; updated: number; resolved: number; reopened?: number; ignored?: number };
  reports?: Record<string, string>;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  window?: { field: string; since?: string; until?: string };
  systems: { legacy: SideDescription; cloud: SideDescription };
  /** Did the engine spill to disk to stay inside --memory. */
  spilled?: boolean;
  /** The run's differences explained as causes (cutover diagnose), largest first. */
  causes?: Cause[];
}

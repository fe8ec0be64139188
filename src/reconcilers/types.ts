/** Result types of a reconcile run: the engine yields them, reports and the exception queue consume them. */

/** Which system a row, a count or a check belongs to: the old ERP or the new one. */
export type Side = 'legacy' | 'cloud';

/** A canonical value: exact decimal string at the field's scale, ISO UTC timestamp, or text; null stays null. */
export type CanonicalValue = string | null;
export type CanonicalRow = Record<string, CanonicalValue>;

/** One differing field of a mismatch. `delta` = cloud − legacy for numbers and timestamps (ms), else absent. */
export interface FieldDelta {
  legacy: CanonicalValue;
  cloud: CanonicalValue;
  delta?: string | null;
}

/** The record key, field by field (canonical values). */
export type RecordKey = Record<string, CanonicalValue>;

/** A key present on both sides whose compared fields differ. */
/**
 * What the confirm pass (`--confirm-after`) found of a difference: seen again with the same values
 * (`persistent`), or still different with other values (`changed`: the line holds the new values).
 * In-flight ones (gone in the second pass) are not differences of the run.
 */
export type ConfirmStatus = 'persistent' | 'changed';

export interface MismatchDifference {
  type: 'mismatch';
  key: RecordKey;
  confirm?: ConfirmStatus;
  /** Each differing field (at least one). */
  fields: Record<string, FieldDelta>;
  legacy: CanonicalRow;
  cloud: CanonicalRow;
}

/** A legacy row whose key the cloud lacks (or whose key has a NULL part, so it never joins). */
export interface MissingInCloudDifference {
  type: 'missing_in_cloud';
  key: RecordKey;
  confirm?: ConfirmStatus;
  legacy: CanonicalRow;
}

/** A cloud row whose key legacy lacks (or whose key has a NULL part). */
export interface MissingInLegacyDifference {
  type: 'missing_in_legacy';
  key: RecordKey;
  confirm?: ConfirmStatus;
  cloud: CanonicalRow;
}

/** A key held by more than one row of a side: how many, and the first of them, under the side's name. */
export type DuplicateKeyDifference =
  | {
      type: 'duplicate_key';
      key: RecordKey;
      side: 'legacy';
      count: number;
      legacy: CanonicalRow;
      confirm?: ConfirmStatus;
    }
  | {
      type: 'duplicate_key';
      key: RecordKey;
      side: 'cloud';
      count: number;
      cloud: CanonicalRow;
      confirm?: ConfirmStatus;
    };

/** Debit and credit totals of a journal and their difference (exact decimal strings). */
export interface JournalBalance {
  debit: string;
  credit: string;
  difference: string;
}

/** postings: a journal whose debits and credits differ on one side. */
export interface UnbalancedJournalDifference {
  type: 'unbalanced_journal';
  key: RecordKey & { journal: CanonicalValue };
  side: Side;
  balance: JournalBalance;
}

/**
 * One difference, as written to differences.jsonl (one JSON object a line) and stored in
 * cutover_differences: one shape per `type`.
 */
export type Difference =
  | MismatchDifference
  | MissingInCloudDifference
  | MissingInLegacyDifference
  | DuplicateKeyDifference
  | UnbalancedJournalDifference;

export type DifferenceType = Difference['type'];

/** A difference about one record (every kind but unbalanced_journal). */
export type RecordDifference = Exclude<Difference, UnbalancedJournalDifference>;

/**
 * The row a difference carries from one side: a mismatch both, a missing row and a duplicate key
 * the side they were seen on, an unbalanced journal none.
 */
export function rowOf(d: Difference, side: Side): CanonicalRow | undefined {
  switch (d.type) {
    case 'mismatch':
      return d[side];
    case 'missing_in_cloud':
      return side === 'legacy' ? d.legacy : undefined;
    case 'missing_in_legacy':
      return side === 'cloud' ? d.cloud : undefined;
    case 'duplicate_key':
      if (d.side !== side) return undefined;
      return d.side === 'legacy' ? d.legacy : d.cloud;
    case 'unbalanced_journal':
      return undefined;
  }
}

/** The row a record difference is about: legacy's when it carries one, else cloud's. */
export function recordRow(d: RecordDifference): CanonicalRow {
  switch (d.type) {
    case 'missing_in_legacy':
      return d.cloud;
    case 'duplicate_key':
      return d.side === 'legacy' ? d.legacy : d.cloud;
    default:
      return d.legacy;
  }
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

/**
 * A run judged against its mapping's materiality (src/reconcilers/materiality.ts): the bounds, the
 * absolute difference that decides (of `total`) and the verdict.
 */
export interface Materiality {
  amount?: string;
  share?: string;
  absDifference: string;
  material: boolean;
  /** The control total whose absolute difference decides. */
  total?: { group: string; field: string; currency?: string; legacy: string; absDifference: string };
  /** Which bound it is above, when material. */
  exceeds?: 'amount' | 'share';
  /** Why the run is material whatever its totals (a stopped run). */
  reason?: string;
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
/** What the run's summary says of pushdown (SPEC "Checksum pushdown"). */
export interface PushdownSummary {
  mode: 'checksum' | 'stream';
  buckets?: number;
  bucketsDiffering?: number;
  /** Level-2 sub-buckets that still differed (when the differing buckets were split). */
  subBucketsDiffering?: number;
  rowsStreamed?: Record<'legacy' | 'cloud', number>;
  /** Rows matched in agreeing buckets, never read. */
  rowsMatchedInDatabase?: number;
  /** Why the run streamed every row. */
  reason?: string;
}

export interface ReconcileSummary {
  runId: string;
  name: string;
  domain?: string;
  /** `stopped`: --max-differences was reached, so the compare stopped (what it saw is recorded). */
  status: 'clean' | 'differences' | 'stopped';
  counts: ReconcileCounts;
  /** Set when the run stopped at --max-differences: the limit (the run recorded that many differences). */
  stopped?: { maxDifferences: number };
  /** The mapping's materiality and the run's verdict (SPEC "Sign-off"), when the mapping has one. */
  materiality?: Materiality;
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
  /**
   * Did the engine write its rows to temporary files: past 20% of --memory, or past 16 MB of rows
   * whatever the budget (writing through is quicker than holding more; compare.ts HOLD_MAX_BYTES).
   */
  spilled?: boolean;
  /** Checksum pushdown: matched in the databases by bucket checksums, or streamed and why (not on a recheck). */
  pushdown?: PushdownSummary;
  /** The run's differences explained as causes (cutover diagnose), largest first. */
  causes?: Cause[];
  /**
   * A recheck (`reconcile --recheck`): the open items whose keys it read again, and per side how
   * the key set was read (the source columns it was pushed down on, the statements sent, and why a
   * key field could not be pushed down).
   */
  /**
   * The confirm pass (`--confirm-after`): the wait (ISO 8601), the distinct keys read again, and the
   * first pass's differences found persistent, changed or in flight (gone). Only persistent and
   * changed ones are the run's differences; the in-flight ones are in `reports["in-flight"]`.
   */
  confirm?: {
    after: string;
    rechecked: number;
    persistent: number;
    changed: number;
    inFlight: number;
  };
  /** The settle window: rows younger than `age` on each side (by that database's clock), left out. */
  settle?: {
    field: string;
    age: string;
    skipped: { legacy: number; cloud: number };
    /** Differences not recorded because their key had a young row on either side. */
    differencesSkipped: number;
  };
  recheck?: {
    items: number;
    legacy: RecheckSide;
    cloud: RecheckSide;
  };
  /**
   * Certification (docs/signoff.md), as it stood once this run was recorded: the mapping's latest
   * certification, and the runs whose certification this run superseded.
   */
  signoff?: { latest?: SignoffNote; superseded: string[] };
}

/** How one side of a recheck read its key set. */
export interface RecheckSide {
  pushedDown: string[];
  statements: number;
  notPushed?: string[];
}

/** A certification as the reports show it. */
export interface SignoffNote {
  runId: string;
  status: 'prepared' | 'approved' | 'rejected' | 'superseded';
  preparer: string;
  preparedAt: string;
  reviewer: string | null;
  reviewedAt: string | null;
  reason: string | null;
  supersededBy: string | null;
  supersededAt: string | null;
}

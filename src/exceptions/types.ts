/** Types of the exception queue: records, filters, history entries. */
import type { CauseKind } from '../diagnosis/types.js';

export const reconcileKinds = [
  'mismatch',
  'missing_in_cloud',
  'missing_in_legacy',
  'duplicate_key',
  'unbalanced_journal',
] as const;
export const replayKinds = ['replay_failed', 'replay_parked', 'rollback_conflict'] as const;
export const exceptionKinds = [...reconcileKinds, ...replayKinds] as const;
export type ExceptionKind = (typeof exceptionKinds)[number];

export const exceptionStatuses = ['open', 'assigned', 'resolved', 'ignored'] as const;
export type ExceptionStatus = (typeof exceptionStatuses)[number];

export const severities = ['low', 'medium', 'high'] as const;
export type Severity = (typeof severities)[number];

/** One item of the queue, as the core returns it. */
export interface ExceptionRecord {
  /** `X-000123` */
  id: string;
  kind: ExceptionKind;
  mapping: string;
  eventType: string | null;
  /** The canonical key text (encodeKey for reconcile items, the event key for replay). */
  keyText: string;
  /** The key for people: the key object of a reconcile item, the event key string of a replay item. */
  key: unknown;
  details: unknown;
  status: ExceptionStatus;
  /** Effective severity: the variance's, raised by the age of an unresolved item. */
  severity: Severity;
  variance: string | null;
  firstSeen: string;
  lastSeen: string;
  occurrences: number;
  attempts: number;
  lastError: string | null;
  assignee: string | null;
  firstRunId: string | null;
  lastRunId: string | null;
  resolvedByRun: string | null;
  updatedAt: string;
  version: number;
  /** Open or assigned for longer than its severity's SLA (`exceptions.sla`); absent without an SLA. */
  overdue?: boolean;
}

/** One append-only history entry. */
export interface HistoryEntry {
  at: string;
  who: string;
  action: string;
  fromStatus: string | null;
  toStatus: string | null;
  note: string | null;
  changes: Record<string, [unknown, unknown]> | null;
  runId: string | null;
}

export const sortKeys = ['id', 'severity', 'age', 'last-seen', 'occurrences', 'mapping'] as const;
export type SortKey = (typeof sortKeys)[number];

/** Which items a list, export or bulk action works on. Every field narrows; empty arrays are ignored. */
export interface ExceptionFilter {
  ids?: string[];
  status?: ExceptionStatus[];
  kind?: ExceptionKind[];
  mapping?: string[];
  assignee?: string;
  severity?: Severity[];
  /** Items first seen at least this many milliseconds ago. */
  olderThanMs?: number;
  /** Substring of the key text (case-insensitive). */
  keyContains?: string;
  /** Reconcile items whose difference in their latest run is explained by a cause of these kinds. */
  cause?: CauseKind[];
  sort?: SortKey;
  limit?: number;
  /** Only items with a numeric id above this (paging). */
  afterId?: number;
  /** Clock for age and severity (tests). */
  now?: Date;
  /** The resolution time each severity is allowed (`exceptions.sla` in cutover.yaml, ms): items get `overdue`. */
  sla?: Partial<Record<Severity, number>>;
  /** Only open or assigned items older than their severity's `sla`. */
  overdue?: boolean;
}

export type TransitionAction = 'assign' | 'resolve' | 'ignore' | 'reopen' | 'retry';

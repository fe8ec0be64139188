import type { Knex } from 'knex';
import { formatId } from './ids.js';
import { severitySql } from './filter.js';
import type { Difference } from '../reconcilers/types.js';
import {
  reconcileKinds,
  type ExceptionKind,
  type ExceptionRecord,
  type ExceptionStatus,
  type HistoryEntry,
  type Severity,
} from './types.js';

/** A stored JSON text parsed (the text itself when it is not JSON; null when there is none). */
export function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The difference a reconcile item's details hold (its body in cutover_differences); undefined for a replay item. */
export function differenceOf(r: ExceptionRecord): Difference | undefined {
  if (!(reconcileKinds as readonly string[]).includes(r.kind)) return undefined;
  return r.details !== null && typeof r.details === 'object' ? (r.details as Difference) : undefined;
}

/** The columns a record needs, with the effective severity computed in SQL. */
export function recordColumns(knex: Knex, now: Date): (string | Knex.Raw)[] {
  const s = severitySql(now);
  return ['*', knex.raw(`(${s.sql}) AS severity`, s.bindings)];
}

/** A cutover_exceptions row (selected with recordColumns) as a record. */
export function toRecord(row: Record<string, unknown>): ExceptionRecord {
  return {
    id: formatId(Number(row.id)),
    kind: row.kind as ExceptionKind,
    mapping: row.mapping as string,
    eventType: (row.event_type as string | null) ?? null,
    keyText: row.key_text as string,
    key: parseJson(row.key_json) ?? row.key_text,
    details: parseJson(row.details),
    status: row.status as ExceptionStatus,
    severity: ((row.severity as string | undefined) ?? row.size_severity) as Severity,
    variance: (row.variance as string | null) ?? null,
    firstSeen: row.first_seen as string,
    lastSeen: row.last_seen as string,
    occurrences: Number(row.occurrences),
    attempts: Number(row.attempts),
    lastError: (row.last_error as string | null) ?? null,
    assignee: (row.assignee as string | null) ?? null,
    firstRunId: (row.first_run_id as string | null) ?? null,
    lastRunId: (row.last_run_id as string | null) ?? null,
    resolvedByRun: (row.resolved_by_run as string | null) ?? null,
    updatedAt: row.updated_at as string,
    version: Number(row.version),
  };
}

/** A cutover_exception_history row as an entry. */
export function toHistory(row: Record<string, unknown>): HistoryEntry {
  return {
    at: row.at as string,
    who: row.who as string,
    action: row.action as string,
    fromStatus: (row.from_status as string | null) ?? null,
    toStatus: (row.to_status as string | null) ?? null,
    note: (row.note as string | null) ?? null,
    changes: parseJson(row.changes) as HistoryEntry['changes'],
    runId: (row.run_id as string | null) ?? null,
  };
}

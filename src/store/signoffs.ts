/**
 * Certifications in the control store: `cutover_signoffs` (one row per sign-off of a run, its
 * current status) and `cutover_signoff_history` (append-only: rows are inserted, never updated or
 * deleted). The workflow's rules live in src/signoff; this module only reads and writes rows.
 */
import type { Knex } from 'knex';
import type { ControlStore } from './store-types.js';

export const SIGNOFF_STATUSES = ['prepared', 'approved', 'rejected', 'superseded'] as const;
export type SignoffStatus = (typeof SIGNOFF_STATUSES)[number];
export type SignoffAction = 'prepare' | 'auto-prepare' | 'approve' | 'reject' | 'supersede';

/** One certification of a reconcile run. */
export interface SignoffRecord {
  id: number;
  runId: string;
  mapping: string;
  status: SignoffStatus;
  preparer: string;
  preparedAt: string;
  reviewer: string | null;
  reviewedAt: string | null;
  /** A rejection's reason code. */
  reason: string | null;
  /** Prepared with --accept-open: open material items were accepted without a note each. */
  acceptedOpen: boolean;
  /** The later run whose figures moved beyond materiality. */
  supersededBy: string | null;
  supersededAt: string | null;
  version: number;
}

/** One entry of a certification's history. */
export interface SignoffHistoryEntry {
  at: string;
  who: string;
  action: SignoffAction;
  note: string | null;
  reason: string | null;
  detail: unknown;
}

const T = 'cutover_signoffs';
const H = 'cutover_signoff_history';

function parseDetail(v: unknown): unknown {
  if (typeof v !== 'string') return v ?? null;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

function toSignoff(row: Record<string, unknown>): SignoffRecord {
  return {
    id: Number(row.id),
    runId: row.run_id as string,
    mapping: row.mapping as string,
    status: row.status as SignoffStatus,
    preparer: row.preparer as string,
    preparedAt: row.prepared_at as string,
    reviewer: (row.reviewer as string | null) ?? null,
    reviewedAt: (row.reviewed_at as string | null) ?? null,
    reason: (row.reason as string | null) ?? null,
    // SQLite and MySQL hand booleans back as 0/1.
    acceptedOpen: Boolean(Number(row.accepted_open)),
    supersededBy: (row.superseded_by as string | null) ?? null,
    supersededAt: (row.superseded_at as string | null) ?? null,
    version: Number(row.version),
  };
}

function toHistory(row: Record<string, unknown>): SignoffHistoryEntry {
  return {
    at: row.at as string,
    who: row.who as string,
    action: row.action as SignoffAction,
    note: (row.note as string | null) ?? null,
    reason: (row.reason as string | null) ?? null,
    detail: parseDetail(row.detail),
  };
}

/** A history entry to append. */
export interface HistoryInput {
  at: string;
  who: string;
  action: SignoffAction;
  note?: string | null;
  reason?: string | null;
  detail?: unknown;
}

async function appendHistory(ex: Knex, signoffId: number, h: HistoryInput): Promise<void> {
  await ex(H).insert({
    signoff_id: signoffId,
    at: h.at,
    who: h.who,
    action: h.action,
    note: h.note ?? null,
    reason: h.reason ?? null,
    detail: h.detail === undefined ? null : JSON.stringify(h.detail),
  });
}

/** Inserts a new certification in status `prepared` with its first history entry; returns it. */
export async function insertSignoff(
  ex: Knex,
  row: { runId: string; mapping: string; preparer: string; preparedAt: string; acceptedOpen: boolean },
  history: HistoryInput,
): Promise<SignoffRecord> {
  const ids = (await ex(T)
    .insert({
      run_id: row.runId,
      mapping: row.mapping,
      status: 'prepared',
      preparer: row.preparer,
      prepared_at: row.preparedAt,
      accepted_open: row.acceptedOpen,
      version: 1,
    })
    .returning('id')) as unknown[];
  const first = ids[0];
  const id = Number(typeof first === 'object' && first !== null ? (first as { id: unknown }).id : first);
  const created = await ex(T).where({ id }).first();
  const record = toSignoff(created as Record<string, unknown>);
  await appendHistory(ex, record.id, history);
  return record;
}

/**
 * Changes a certification's status and appends its history entry, if nobody changed it since it was
 * read (`version`); false when someone did.
 */
export async function updateSignoff(
  ex: Knex,
  current: SignoffRecord,
  set: Partial<
    Pick<SignoffRecord, 'status' | 'reviewer' | 'reviewedAt' | 'reason' | 'supersededBy' | 'supersededAt'>
  >,
  history: HistoryInput,
): Promise<boolean> {
  const columns: Record<string, unknown> = { version: current.version + 1 };
  if (set.status !== undefined) columns.status = set.status;
  if (set.reviewer !== undefined) columns.reviewer = set.reviewer;
  if (set.reviewedAt !== undefined) columns.reviewed_at = set.reviewedAt;
  if (set.reason !== undefined) columns.reason = set.reason;
  if (set.supersededBy !== undefined) columns.superseded_by = set.supersededBy;
  if (set.supersededAt !== undefined) columns.superseded_at = set.supersededAt;
  const n = await ex(T).where({ id: current.id, version: current.version }).update(columns);
  if (Number(n) !== 1) return false;
  await appendHistory(ex, current.id, history);
  return true;
}

/** The run's newest certification, if it has one. */
export async function latestSignoffOfRun(ex: Knex, runId: string): Promise<SignoffRecord | undefined> {
  const row = await ex(T).where({ run_id: runId }).orderBy('id', 'desc').first();
  return row ? toSignoff(row as Record<string, unknown>) : undefined;
}

/** The mapping's newest certification, if it has one. */
export async function latestSignoffOfMapping(ex: Knex, mapping: string): Promise<SignoffRecord | undefined> {
  const row = await ex(T).where({ mapping }).orderBy('id', 'desc').first();
  return row ? toSignoff(row as Record<string, unknown>) : undefined;
}

/** The mapping's certifications that still stand (prepared or approved), oldest first. */
export async function standingSignoffs(ex: Knex, mapping: string): Promise<SignoffRecord[]> {
  const rows = await ex(T).where({ mapping }).whereIn('status', ['prepared', 'approved']).orderBy('id');
  return (rows as Record<string, unknown>[]).map(toSignoff);
}

/** Which certifications to list. */
export interface SignoffFilter {
  mapping?: string;
  status?: SignoffStatus;
  limit?: number;
}

/** Certifications, newest first. */
export async function listSignoffs(
  store: ControlStore,
  filter: SignoffFilter = {},
): Promise<SignoffRecord[]> {
  const q = store.knex(T);
  if (filter.mapping) q.where({ mapping: filter.mapping });
  if (filter.status) q.where({ status: filter.status });
  const rows = await q.orderBy('id', 'desc').limit(filter.limit ?? 50);
  return (rows as Record<string, unknown>[]).map(toSignoff);
}

/** The history of certifications, oldest entry first, by certification id. */
export async function signoffHistory(
  store: ControlStore,
  ids: readonly number[],
): Promise<Map<number, SignoffHistoryEntry[]>> {
  const out = new Map<number, SignoffHistoryEntry[]>(ids.map((id) => [id, []]));
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await store
      .knex(H)
      .whereIn('signoff_id', ids.slice(i, i + 500))
      .orderBy('id');
    for (const r of rows as Record<string, unknown>[]) out.get(Number(r.signoff_id))?.push(toHistory(r));
  }
  return out;
}

/** Each run's newest certification status, for `runs list` (runs without one are absent). */
export async function signoffStatusOfRuns(
  store: ControlStore,
  runIds: readonly string[],
): Promise<Map<string, SignoffStatus>> {
  const out = new Map<string, SignoffStatus>();
  if (!runIds.length) return out;
  const rows = (await store
    .knex(T)
    .whereIn('run_id', [...runIds])
    .orderBy('id')
    .select('run_id', 'status')) as { run_id: string; status: SignoffStatus }[];
  for (const r of rows) out.set(r.run_id, r.status); // ascending ids: the newest wins
  return out;
}

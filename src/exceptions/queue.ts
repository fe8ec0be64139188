import type { Knex } from 'knex';
import type { ControlStore } from '../store/control-store.js';
import { UsageError } from '../errors.js';
import { applyFilter, applySort } from './filter.js';
import { formatId, parseId } from './ids.js';
import { parseJson, recordColumns, toHistory, toRecord } from './records.js';
import { sizeSeverity } from './severity.js';
import { lockRows, withTransaction } from './tx.js';
import type { ExceptionFilter, ExceptionRecord, HistoryEntry, Severity } from './types.js';

export { transition, claim, countForAction } from './transition.js';

const T = 'cutover_exceptions';
const H = 'cutover_exception_history';

/** The id of an inserted row, whichever shape the driver returns. */
export function insertedId(rows: unknown[]): number | undefined {
  const r = rows[0];
  if (r === undefined) return undefined;
  return Number(typeof r === 'object' && r !== null ? (r as { id: unknown }).id : r);
}

/**
 * Records a replay or rollback failure. The same (mapping, key, kind) again updates the item
 * (attempts, last error, details) instead of adding a twin; a resolved one comes back open; an
 * ignored one stays ignored — unless `sameProblem` says the stored details describe another problem
 * (another event of the key failed): a person ignored that one, not this. Every call appends a
 * history entry.
 */
export async function recordException(
  store: ControlStore,
  item: {
    kind: 'replay_failed' | 'replay_parked' | 'rollback_conflict';
    mapping: string;
    eventType?: string;
    key: string;
    details: unknown;
    error?: string;
    runId: string;
    now?: Date;
    user?: string;
    sameProblem?: (storedDetails: unknown) => boolean;
  },
): Promise<{ id: string; created: boolean }> {
  const now = (item.now ?? new Date()).toISOString();
  const who = item.user ?? `run ${item.runId}`;
  const details = JSON.stringify(item.details ?? null);
  for (let attempt = 0; attempt < 3; attempt++) {
    const result = await withTransaction(store, async (trx) => {
      const where = { mapping: item.mapping, key_text: item.key, kind: item.kind };
      const existing = await lockRows(store, trx(T).where(where).first());
      if (!existing) {
        const rows = await trx(T)
          .insert({
            ...where,
            event_type: item.eventType ?? null,
            key_json: JSON.stringify(item.key),
            details,
            status: 'open',
            size_severity: sizeSeverity(item.kind, null),
            first_seen: now,
            last_seen: now,
            occurrences: 1,
            attempts: 1,
            last_error: item.error ?? null,
            first_run_id: item.runId,
            last_run_id: item.runId,
            updated_at: now,
            version: 1,
          })
          .onConflict(['mapping', 'key_text', 'kind'])
          .ignore()
          .returning('id');
        const id = insertedId(rows);
        if (id === undefined || Number.isNaN(id)) return undefined; // a concurrent insert won: go again
        await trx(H).insert({
          exception_id: id,
          at: now,
          who,
          action: 'opened',
          from_status: null,
          to_status: 'open',
          note: item.error ?? null,
          run_id: item.runId,
        });
        return { id: formatId(id), created: true };
      }
      const from = existing.status as string;
      const newProblem =
        from === 'ignored' &&
        item.sameProblem !== undefined &&
        !item.sameProblem(parseJson(existing.details));
      const to = from === 'resolved' || newProblem ? 'open' : from;
      await trx(T)
        .where({ id: existing.id })
        .update({
          status: to,
          assignee: to === 'open' ? null : existing.assignee,
          resolved_by_run: to === 'open' ? null : existing.resolved_by_run,
          details,
          last_error: item.error ?? existing.last_error,
          last_seen: now,
          occurrences: Number(existing.occurrences) + 1,
          attempts: Number(existing.attempts) + 1,
          last_run_id: item.runId,
          updated_at: now,
          version: Number(existing.version) + 1,
        });
      await trx(H).insert({
        exception_id: existing.id,
        at: now,
        who,
        action: to !== from ? 'reopened' : 'seen',
        from_status: from,
        to_status: to,
        note: `${item.error ?? 'recorded again'} (run ${item.runId})`,
        changes: JSON.stringify({ attempts: [Number(existing.attempts), Number(existing.attempts) + 1] }),
        run_id: item.runId,
      });
      return { id: formatId(Number(existing.id)), created: false };
    });
    if (result) return result;
  }
  throw new Error(`could not record the exception for ${item.mapping} ${item.key}`);
}

async function loadRow(knex: Knex, id: number, now: Date): Promise<Record<string, unknown> | undefined> {
  return knex(T).select(recordColumns(knex, now)).where({ id }).first();
}

/** One item by id (`X-000123` or `123`); an unknown id is a UsageError (exit 2). */
export async function getException(
  store: ControlStore,
  id: string,
  now = new Date(),
): Promise<ExceptionRecord> {
  const n = parseId(id);
  const row = await loadRow(store.knex, n, now);
  if (!row) throw unknownIds([formatId(n)]);
  return toRecord(row);
}

/** The error for ids that are not in the queue. */
export function unknownIds(ids: string[]): UsageError {
  return new UsageError(
    `There is no exception ${ids.join(', ')} in the control store.`,
    '`cutover exceptions list` shows the ids; check --config points at the right cutover.yaml.',
  );
}

/** The history of one item, oldest first. */
export async function getHistory(store: ControlStore, id: string): Promise<HistoryEntry[]> {
  const rows = await store
    .knex(H)
    .where({ exception_id: parseId(id) })
    .orderBy('id', 'asc');
  return rows.map(toHistory);
}

/** Items matching `filter` (sorted, limited) and how many match in all. */
export async function listExceptions(
  store: ControlStore,
  filter: ExceptionFilter = {},
): Promise<{ total: number; items: ExceptionRecord[]; byStatus: Record<string, number> }> {
  const now = filter.now ?? new Date();
  const k = store.knex;
  const counts = await applyFilter(k(T), { ...filter, now })
    .select('status')
    .count({ n: '*' })
    .groupBy('status');
  const byStatus: Record<string, number> = {};
  let total = 0;
  for (const c of counts as { status: string; n: number | string }[]) {
    byStatus[c.status] = Number(c.n);
    total += Number(c.n);
  }
  const q = applySort(applyFilter(k(T).select(recordColumns(k, now)), { ...filter, now }), filter);
  if (filter.limit !== undefined) q.limit(filter.limit);
  const rows = (await q) as Record<string, unknown>[];
  const items = rows.map(toRecord);
  if (filter.sla) for (const r of items) r.overdue = isOverdue(r, filter.sla, now);
  return { total, items, byStatus };
}

/** Open or assigned for longer than its severity's SLA allows (an item of a severity without one is not). */
export function isOverdue(
  r: Pick<ExceptionRecord, 'status' | 'severity' | 'firstSeen'>,
  sla: Partial<Record<Severity, number>>,
  now: Date,
): boolean {
  const ms = sla[r.severity];
  if (ms === undefined || (r.status !== 'open' && r.status !== 'assigned')) return false;
  return now.getTime() - Date.parse(r.firstSeen) >= ms;
}

import type { Knex } from 'knex';
import type { ControlStore } from '../store/control-store.js';
import { UsageError } from '../errors.js';
import { applyFilter, applySort } from './filter.js';
import { formatId, parseId } from './ids.js';
import { refusal, transitions } from './lifecycle.js';
import { lockRows, withTransaction } from './tx.js';
import type { ExceptionFilter, ExceptionKind, ExceptionStatus, TransitionAction } from './types.js';

const T = 'cutover_exceptions';
const H = 'cutover_exception_history';
const CHUNK = 400;

interface Locked {
  id: number;
  status: ExceptionStatus;
  kind: ExceptionKind;
  assignee: string | null;
}

export interface TransitionOptions {
  /** Who acts (--as NAME, else $CUTOVER_USER, else the OS user). */
  user: string;
  note?: string;
  /** assign: the new assignee. */
  assignee?: string;
  /** resolve: the run that resolved it (replay retry). */
  runId?: string;
  now?: Date;
}

export interface TransitionResult {
  changed: number;
  ids: string[];
}

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Filter for the items `action` may touch: a bulk action skips the ones in a state it does not apply to. */
function actionable(filter: ExceptionFilter, action: TransitionAction): ExceptionFilter {
  const from = transitions[action].from;
  const status = filter.status?.length ? filter.status.filter((s) => from.includes(s)) : [...from];
  const kind =
    action === 'retry'
      ? (filter.kind?.length ? filter.kind : (['replay_failed', 'replay_parked'] as ExceptionKind[])).filter(
          (k) => k === 'replay_failed' || k === 'replay_parked',
        )
      : filter.kind;
  return { ...filter, status: status.length ? status : ['__none__' as ExceptionStatus], kind };
}

/** How many items a bulk action by `filter` would touch (for the confirmation prompt). */
export async function countForAction(
  store: ControlStore,
  filter: ExceptionFilter,
  action: TransitionAction,
): Promise<number> {
  const row = await applyFilter(store.knex(T), actionable(filter, action)).count({ n: '*' }).first();
  return Number((row as { n?: number | string } | undefined)?.n ?? 0);
}

/** Applies `action` to locked rows inside `trx`, appending one history entry each. */
async function apply(
  trx: Knex,
  rows: Locked[],
  action: TransitionAction,
  opts: TransitionOptions,
): Promise<void> {
  const now = (opts.now ?? new Date()).toISOString();
  const to = transitions[action].to;
  for (const part of chunks(rows)) {
    const ids = part.map((r) => r.id);
    const set: Record<string, unknown> = { updated_at: now, version: trx.raw('version + 1') };
    if (to) set.status = to;
    if (action === 'assign') set.assignee = opts.assignee;
    if (action === 'reopen') {
      set.assignee = null;
      set.resolved_by_run = null;
    }
    if (action === 'resolve') set.resolved_by_run = opts.runId ?? null;
    await trx(T).whereIn('id', ids).update(set);
    await trx(H).insert(
      part.map((r) => {
        const changes: Record<string, [unknown, unknown]> = {};
        if (to && to !== r.status) changes.status = [r.status, to];
        if (action === 'assign' && r.assignee !== opts.assignee)
          changes.assignee = [r.assignee, opts.assignee];
        if (action === 'reopen' && r.assignee) changes.assignee = [r.assignee, null];
        return {
          exception_id: r.id,
          at: now,
          who: opts.user,
          action: action === 'assign' && r.status === 'assigned' ? 'reassign' : action,
          from_status: r.status,
          to_status: to ?? r.status,
          note: opts.note ?? null,
          changes: Object.keys(changes).length ? JSON.stringify(changes) : null,
          run_id: opts.runId ?? null,
        };
      }),
    );
  }
}

const lockedColumns = ['id', 'status', 'kind', 'assignee'];

function normalize(rows: Record<string, unknown>[]): Locked[] {
  return rows.map((r) => ({
    id: Number(r.id),
    status: r.status as ExceptionStatus,
    kind: r.kind as ExceptionKind,
    assignee: (r.assignee as string | null) ?? null,
  }));
}

/**
 * Moves items through the state machine (lifecycle.ts) in one transaction, rows locked, history
 * appended in the same transaction. By ids: every id must exist and allow the action, else nothing
 * changes and a UsageError says why. By filter: only the matching items the action applies to.
 */
export async function transition(
  store: ControlStore,
  target: string[] | ExceptionFilter,
  action: TransitionAction,
  opts: TransitionOptions,
): Promise<TransitionResult> {
  if (action === 'assign' && !opts.assignee)
    throw new UsageError('Assigning needs a person.', 'Name them with --to NAME.');
  return withTransaction(store, async (trx) => {
    let rows: Locked[];
    if (Array.isArray(target)) {
      const wanted = [...new Set(target.map(parseId))];
      rows = normalize(
        await lockRows(store, trx(T).select(lockedColumns).whereIn('id', wanted).orderBy('id')),
      );
      const found = new Set(rows.map((r) => r.id));
      const missing = wanted.filter((id) => !found.has(id)).map(formatId);
      if (missing.length)
        throw new UsageError(
          `There is no exception ${missing.join(', ')} in the control store.`,
          '`cutover exceptions list` shows the ids; nothing was changed.',
        );
      const refused = rows
        .map((r) => refusal(action, { ...r, id: formatId(r.id) }))
        .filter(Boolean) as string[];
      if (refused.length)
        throw new UsageError(
          refused.slice(0, 5).join(' ') +
            (refused.length > 5 ? ` (and ${refused.length - 5} more refused)` : ''),
          rows.length > 1 ? 'Nothing was changed.' : undefined,
        );
    } else {
      const q = applySort(applyFilter(trx(T).select(lockedColumns), actionable(target, action)), target);
      if (target.limit !== undefined) q.limit(target.limit);
      rows = normalize(await lockRows(store, q));
    }
    await apply(trx, rows, action, opts);
    return { changed: rows.length, ids: rows.map((r) => formatId(r.id)) };
  });
}

/**
 * Claims up to `limit` open items for `assignee`, for workers sharing the queue: on PostgreSQL the
 * candidates are locked with FOR UPDATE SKIP LOCKED, so two workers never claim the same item and
 * never wait on each other; highest severity first, then oldest.
 */
export async function claim(
  store: ControlStore,
  opts: TransitionOptions & { limit: number; assignee: string; filter?: ExceptionFilter },
): Promise<TransitionResult> {
  return withTransaction(store, async (trx) => {
    const filter: ExceptionFilter = {
      ...opts.filter,
      status: ['open'],
      sort: opts.filter?.sort ?? 'severity',
    };
    const q = applySort(applyFilter(trx(T).select(lockedColumns), filter), filter).limit(opts.limit);
    const rows = normalize(await lockRows(store, q, true));
    await apply(trx, rows, 'assign', { ...opts, note: opts.note ?? 'claimed' });
    return { changed: rows.length, ids: rows.map((r) => formatId(r.id)) };
  });
}

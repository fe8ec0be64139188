import { isUniqueViolation } from '../adapters/db-errors.js';
import os from 'node:os';
import type { ControlStore } from './control-store.js';
import { UsageError } from '../errors.js';
import { redactDeep } from '../util/redact.js';
import { ownerColumns, startHeartbeat, stopHeartbeat } from './run-liveness.js';
import { signoffStatusOfRuns, type SignoffStatus } from './signoffs.js';

export interface RunRecord {
  id: string;
  command: string;
  name: string | null;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  summary: unknown;
  user: string | null;
  host: string | null;
  /** In `runs list`: the status of the run's latest certification, null when it has none. */
  signoff?: SignoffStatus | null;
}

/** Who is acting: --as NAME, else $CUTOVER_USER, else the OS user. */
export function currentUser(as?: string): string {
  if (as) return as;
  if (process.env.CUTOVER_USER) return process.env.CUTOVER_USER;
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}_${p(d.getUTCHours())}${p(d.getUTCMinutes())}`;
}

/**
 * Starts a run and returns its id: `<prefix>_YYYYMMDD_HHMM[_name]`, with `_2`, `_3`... when that id
 * is taken (two runs in the same minute). The insert is the lock, so two processes never share an id.
 */
export async function createRun(
  store: ControlStore,
  opts: { prefix: 'r' | 'p' | 'b' | string; command: string; name?: string; now?: Date; user?: string },
): Promise<string> {
  const now = opts.now ?? new Date();
  const base = `${opts.prefix}_${stamp(now)}${opts.name ? `_${opts.name}` : ''}`;
  const suffix = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:_(\\d+))?$`);
  for (let attempt = 0; attempt < 100; attempt++) {
    // The next free number after those taken; a concurrent writer may take it first, then retry.
    const rows: { id: string }[] = await store
      .knex('cutover_runs')
      .where('id', base)
      .orWhere('id', 'like', `${base}_%`)
      .select('id');
    let next = 1;
    for (const r of rows) {
      const m = suffix.exec(r.id);
      if (m) next = Math.max(next, m[1] ? Number(m[1]) + 1 : 2);
    }
    const id = next === 1 ? base : `${base}_${next}`;
    try {
      await store.knex('cutover_runs').insert({
        id,
        command: opts.command,
        name: opts.name ?? null,
        status: 'running',
        started_at: now.toISOString(),
        user_name: currentUser(opts.user),
        ...ownerColumns(now),
      });
      startHeartbeat(store, id);
      return id;
    } catch (err) {
      if (isUniqueViolation(err)) continue;
      throw err;
    }
  }
  throw new Error(`could not allocate a run id after ${base}: too many concurrent runs`);
}

/** Records how a run ended and its summary. */
export async function finishRun(
  store: ControlStore,
  id: string,
  status: string,
  summary: unknown,
): Promise<void> {
  stopHeartbeat(id);
  await store
    .knex('cutover_runs')
    .where({ id })
    .update({ status, finished_at: new Date().toISOString(), summary: JSON.stringify(redactDeep(summary)) });
}

/** Marks a run running again (a resumed replay): not finished until it finishes. */
export async function resumeRun(store: ControlStore, id: string): Promise<void> {
  await store.knex('cutover_runs').where({ id }).update({ status: 'running', finished_at: null });
}

/** Sets a run's status; any status but `running`/`applying` also stamps when it finished. */
export async function setRunStatus(
  store: ControlStore,
  id: string,
  status: string,
  finishedAt = new Date().toISOString(),
): Promise<void> {
  const open = status === 'running' || status === 'applying';
  await store
    .knex('cutover_runs')
    .where({ id })
    .update({ status, ...(open ? {} : { finished_at: finishedAt }) });
}

/** Replaces a run's summary (a replay's checkpoint, an apply's outcome) without touching its status. */
export async function setRunSummary(store: ControlStore, id: string, summary: unknown): Promise<void> {
  await store
    .knex('cutover_runs')
    .where({ id })
    .update({ summary: JSON.stringify(summary) });
}

/** A summary column as stored; text that is not JSON (a crashed writer) is shown, not thrown. */
function parseSummary(v: unknown): unknown {
  if (typeof v !== 'string') return v ?? null;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

function toRecord(row: Record<string, unknown>): RunRecord {
  return {
    id: row.id as string,
    command: row.command as string,
    name: (row.name as string | null) ?? null,
    status: row.status as string,
    startedAt: row.started_at as string,
    finishedAt: (row.finished_at as string | null) ?? null,
    summary: parseSummary(row.summary),
    user: (row.user_name as string | null) ?? null,
    host: (row.host as string | null) ?? null,
  };
}

/** Which runs to list. */
export interface RunFilter {
  command?: string;
  name?: string;
  limit?: number;
}

function filtered(store: ControlStore, filter: RunFilter) {
  const q = store.knex('cutover_runs');
  if (filter.command) q.where({ command: filter.command });
  if (filter.name) q.where({ name: filter.name });
  return q;
}

/** Past runs, newest first. */
export async function listRuns(store: ControlStore, filter: RunFilter = {}): Promise<RunRecord[]> {
  const rows = await filtered(store, filter)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 50);
  const runs = rows.map(toRecord);
  const signoffs = await signoffStatusOfRuns(
    store,
    runs.filter((r) => r.command === 'reconcile').map((r) => r.id),
  );
  return runs.map((r) => ({ ...r, signoff: signoffs.get(r.id) ?? null }));
}

/** How many runs match a filter (ignoring its limit). */
export async function countRuns(store: ControlStore, filter: RunFilter = {}): Promise<number> {
  const row = (await filtered(store, filter).count({ n: '*' }).first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/**
 * One run; an unknown id is a UsageError that lists the latest ones. A `reconcile` run may also be
 * a recheck (`reconcile --recheck`: the same summary, of a subset of keys).
 */
export async function getRun(store: ControlStore, id: string, command?: string): Promise<RunRecord> {
  const row = await store.knex('cutover_runs').where({ id }).first();
  const kindOk =
    !command || row?.command === command || (command === 'reconcile' && row?.command === 'recheck');
  if (!row || !kindOk) {
    const recent = await listRuns(store, { command, limit: 5 });
    throw new UsageError(
      `There is no ${command ? `${command} ` : ''}run "${id}" in the control store.`,
      recent.length
        ? `Recent runs: ${recent.map((r) => r.id).join(', ')}. \`cutover runs list${command ? ` --command ${command}` : ''}\` shows them all.`
        : `No ${command ? `${command} ` : ''}runs are recorded in this control store yet; check --config points at the right cutover.yaml.`,
    );
  }
  return toRecord(row);
}

/** Appends an entry to the audit log (never updated or deleted). */
export async function audit(
  store: ControlStore,
  entry: { action: string; subject?: string; detail?: unknown; user?: string },
): Promise<void> {
  await store.knex('cutover_audit').insert({
    at: new Date().toISOString(),
    user_name: currentUser(entry.user),
    host: os.hostname(),
    action: entry.action,
    subject: entry.subject ?? null,
    detail: entry.detail === undefined ? null : JSON.stringify(redactDeep(entry.detail)),
  });
}

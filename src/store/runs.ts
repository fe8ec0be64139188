import os from 'node:os';
import type { ControlStore } from './control-store.js';
import { UsageError } from '../errors.js';

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
  for (let n = 1; n < 1000; n++) {
    const id = n === 1 ? base : `${base}_${n}`;
    const taken = await store.knex('cutover_runs').where({ id }).first('id');
    if (taken) continue;
    try {
      await store.knex('cutover_runs').insert({
        id,
        command: opts.command,
        name: opts.name ?? null,
        status: 'running',
        started_at: now.toISOString(),
        user_name: currentUser(opts.user),
        host: os.hostname(),
      });
      return id;
    } catch (err) {
      if (/unique|duplicate|constraint/i.test((err as Error).message)) continue;
      throw err;
    }
  }
  throw new Error(`could not allocate a run id after ${base}`);
}

/** Records how a run ended and its summary. */
export async function finishRun(
  store: ControlStore,
  id: string,
  status: string,
  summary: unknown,
): Promise<void> {
  await store
    .knex('cutover_runs')
    .where({ id })
    .update({ status, finished_at: new Date().toISOString(), summary: JSON.stringify(summary) });
}

function toRecord(row: Record<string, unknown>): RunRecord {
  return {
    id: row.id as string,
    command: row.command as string,
    name: (row.name as string | null) ?? null,
    status: row.status as string,
    startedAt: row.started_at as string,
    finishedAt: (row.finished_at as string | null) ?? null,
    summary: typeof row.summary === 'string' ? JSON.parse(row.summary) : null,
    user: (row.user_name as string | null) ?? null,
    host: (row.host as string | null) ?? null,
  };
}

/** Past runs, newest first. */
export async function listRuns(
  store: ControlStore,
  filter: { command?: string; name?: string; limit?: number } = {},
): Promise<RunRecord[]> {
  const q = store
    .knex('cutover_runs')
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 50);
  if (filter.command) q.where({ command: filter.command });
  if (filter.name) q.where({ name: filter.name });
  return (await q).map(toRecord);
}

/** One run; an unknown id is a UsageError that lists the latest ones. */
export async function getRun(store: ControlStore, id: string, command?: string): Promise<RunRecord> {
  const row = await store.knex('cutover_runs').where({ id }).first();
  if (!row || (command && row.command !== command)) {
    const recent = await listRuns(store, { command, limit: 3 });
    throw new UsageError(
      `There is no ${command ? `${command} ` : ''}run "${id}" in the control store.`,
      recent.length
        ? `Recent runs: ${recent.map((r) => r.id).join(', ')}. \`cutover runs list\` shows them all.`
        : 'No runs are recorded yet; check --config points at the right cutover.yaml.',
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
    detail: entry.detail === undefined ? null : JSON.stringify(entry.detail),
  });
}

/**
 * Runs that die (kill -9, a power cut, an out-of-memory kill) must not stay `running` forever. A run
 * records the process id and host that run it and a heartbeat, refreshed every HEARTBEAT_MS while it
 * works; every command that opens the control store marks a `running` (or `applying`) run dead and
 * `interrupted` when, on this host, its process is gone, or, from another host (which cannot see the
 * process), when its heartbeat is older than STALE_MS.
 */
import os from 'node:os';
import type { ControlStore } from './store-types.js';
import { processAlive } from '../util/process-alive.js';
import { UsageError } from '../errors.js';

/** How often a live run refreshes its heartbeat. */
export const HEARTBEAT_MS = 30_000;
/** A heartbeat older than this marks a run of another host dead (20 missed beats). */
export const STALE_MS = 10 * 60_000;

const beats = new Map<string, NodeJS.Timeout>();

/** The columns a run's row gets when this process starts (or resumes) it. */
export function ownerColumns(now = new Date()): { pid: number; host: string; heartbeat_at: string } {
  return { pid: process.pid, host: os.hostname(), heartbeat_at: now.toISOString() };
}

/** Refreshes the run's heartbeat until stopHeartbeat (never keeps the process alive on its own). */
export function startHeartbeat(store: ControlStore, runId: string): void {
  stopHeartbeat(runId);
  const timer = setInterval(() => {
    store
      .knex('cutover_runs')
      .where({ id: runId })
      .update({ heartbeat_at: new Date().toISOString() })
      .catch(() => stopHeartbeat(runId)); // the store is closed: the command is over
  }, HEARTBEAT_MS);
  timer.unref();
  beats.set(runId, timer);
}

export function stopHeartbeat(runId: string): void {
  const t = beats.get(runId);
  if (t) clearInterval(t);
  beats.delete(runId);
}

/**
 * Takes over an existing run for this process (a resumed replay, a rollback apply) and starts its
 * heartbeat. A run still `running` (or `applying`) in another live process is refused (exit 2): two
 * processes under one run id would each write its counts and its report.
 */
export async function claimRun(store: ControlStore, runId: string, status: string): Promise<void> {
  const row = (await store
    .knex('cutover_runs')
    .where({ id: runId })
    .first('id', 'host', 'pid', 'heartbeat_at', 'started_at', 'status')) as LiveRow | undefined;
  if (
    row &&
    ['running', 'applying'].includes(row.status) &&
    !beats.has(runId) &&
    !deadReason(row, Date.now())
  ) {
    const owner =
      row.pid === null
        ? `on host ${row.host ?? 'unknown'}`
        : `pid ${row.pid} on host ${row.host ?? 'unknown'}`;
    throw new UsageError(
      `Run ${runId} is still running (${owner}, last heartbeat ${row.heartbeat_at ?? row.started_at}); wait for it or stop it.`,
      'Resume it once that process has ended (a stopped or killed run is marked interrupted); it cannot run in two processes at once.',
    );
  }
  await store
    .knex('cutover_runs')
    .where({ id: runId })
    .update({ status, finished_at: null, ...ownerColumns() });
  startHeartbeat(store, runId);
}

interface LiveRow {
  id: string;
  host: string | null;
  pid: number | string | null;
  heartbeat_at: string | null;
  started_at: string;
  status: string;
}

/** Why a `running` row's run is dead, or undefined while it may still be working. */
export function deadReason(row: LiveRow, now: number, host = os.hostname()): string | undefined {
  const pid = row.pid === null ? null : Number(row.pid);
  if (row.host === host && pid !== null) {
    // Our own pid on a row at open time is a previous process that had the same id.
    if (pid === process.pid || !processAlive(pid)) return `its process ${pid} on ${host} is gone`;
    return undefined;
  }
  const last = Date.parse(row.heartbeat_at ?? row.started_at);
  if (Number.isFinite(last) && now - last > STALE_MS)
    return `no heartbeat since ${row.heartbeat_at ?? row.started_at}`;
  return undefined;
}

/** Marks the dead runs `interrupted` and returns their ids (a run that finished meanwhile is left alone). */
export async function markDeadRuns(store: ControlStore): Promise<{ id: string; reason: string }[]> {
  const rows = (await store
    .knex('cutover_runs')
    .whereIn('status', ['running', 'applying'])
    .select('id', 'host', 'pid', 'heartbeat_at', 'started_at', 'status')) as LiveRow[];
  const now = Date.now();
  const out: { id: string; reason: string }[] = [];
  for (const row of rows) {
    if (beats.has(row.id)) continue; // this process's own run
    const reason = deadReason(row, now);
    if (!reason) continue;
    const n = await store
      .knex('cutover_runs')
      .where({ id: row.id, status: row.status })
      .update({ status: 'interrupted', finished_at: row.heartbeat_at ?? new Date(now).toISOString() });
    if (n) out.push({ id: row.id, reason });
  }
  return out;
}

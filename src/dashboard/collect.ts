/**
 * Reads what the dashboard shows from the control store: reconcile and replay runs of the last N
 * days, the exception queue with its status history, and the last rollback plan. Dialect-agnostic:
 * plain knex queries and the store's own readers (listRuns, listExceptions).
 */
import type { ControlStore } from '../store/control-store.js';
import { listRuns, type RunRecord } from '../store/runs.js';
import { listExceptions } from '../exceptions/queue.js';
import { severities } from '../exceptions/types.js';
import type { RollbackPlan } from '../rollback/plan-types.js';
import type { CycleTime } from '../reconcilers/domains/cycle-time.js';
import { dict } from '../util/dict.js';
import {
  absoluteSums,
  absoluteVariance,
  agingBucket,
  agingBuckets,
  burnDown,
  groupNights,
  shortTime,
  type BurnDownPoint,
  type Night,
  type VarianceLine,
} from './aggregate.js';

/** Difference kinds as the summary counts them, in the order the page stacks them. */
export const differenceKinds = [
  ['mismatched', 'mismatch'],
  ['missingInCloud', 'missing in cloud'],
  ['missingInLegacy', 'missing in legacy'],
  ['duplicateKeys', 'duplicate key'],
  ['unbalancedJournals', 'unbalanced journal'],
] as const;

/** The confirm pass's split (SPEC: confirm pass), once a run has one. */
export const confirmKinds = [
  ['persistent', 'persistent'],
  ['changed', 'changed'],
  ['inFlight', 'in flight'],
] as const;

/** One reconcile run of a mapping: a point of its trend. */
export interface MappingNight {
  runId: string;
  night: string;
  startedAt: string;
  status: string;
  /** Differences by kind (summary counts). */
  kinds: Record<string, number>;
  /** The confirm pass's persistent / changed / in-flight counts, when the run had one. */
  confirm: Record<string, number> | null;
  /** Per control total (`group: field`): the sum of |line difference|, exact decimal text. */
  variance: Record<string, string>;
  /** Differences explained per cause kind, when the run was diagnosed. */
  causes: Record<string, number> | null;
}

export interface MappingTrend {
  name: string;
  nights: MappingNight[];
  totals: string[];
}

export interface ReplayPoint {
  runId: string;
  startedAt: string;
  status: string;
  read: number;
  applied: number;
  alreadyApplied: number;
  failed: number;
  parked: number;
  eventsPerSecond: number;
}

export interface RollbackReadiness {
  planId: string;
  runId: string;
  createdAt: string;
  status: string;
  counts: { ok: number; conflict: number; manual: number };
  manual: {
    eventId: string;
    eventType: string;
    eventKey: string;
    reason: string;
    amounts: Record<string, string>;
  }[];
  /** Per column: the sum of |net effect| of the manual items, exact. */
  atStake: Record<string, string>;
}

export interface ParityRow extends CycleTime {
  mapping: string;
  runId: string;
}

export interface DashboardData {
  generatedAt: string;
  days: number;
  since: string;
  nights: Night[];
  mappings: MappingTrend[];
  queue: {
    total: number;
    byStatus: Record<string, number>;
    backlog: number;
    aging: Record<string, Record<string, number>>;
    byAssignee: Record<string, Record<string, number>>;
    burnDown: BurnDownPoint[];
  };
  replay: ReplayPoint[];
  rollback: RollbackReadiness | null;
  /** Per mapping the latest run's refund cycle times, when a refunds mapping declares requested_at. */
  parity: ParityRow[];
  hasCauses: boolean;
}

/** Reads the dashboard's figures from the store: runs started within `days` days before `now`. */
export async function collectDashboard(
  store: ControlStore,
  opts: { days: number; now?: Date },
): Promise<DashboardData> {
  const now = opts.now ?? new Date();
  const since = new Date(now.getTime() - opts.days * 86_400_000).toISOString();
  const inWindow = (r: RunRecord) => r.startedAt >= since && r.status !== 'running';
  const reconcile = (await allRuns(store, 'reconcile')).filter(inWindow);
  const nights = groupNights(reconcile);
  const nightOf = new Map(nights.flatMap((n) => n.runIds.map((id) => [id, n.label] as const)));
  const mappings = mappingTrends(reconcile, nightOf);

  const { total, items, byStatus } = await listExceptions(store, { now });
  const unresolved = items.filter((i) => i.status === 'open' || i.status === 'assigned');
  const aging: Record<string, Record<string, number>> = {};
  for (const b of agingBuckets) aging[b] = Object.fromEntries(severities.map((s) => [s, 0]));
  const byAssignee = dict<Record<string, number>>();
  for (const i of unresolved) {
    aging[agingBucket(i.firstSeen, now)]![i.severity]! += 1;
    const who = (byAssignee[i.assignee ?? '(unassigned)'] ??= Object.fromEntries(
      severities.map((s) => [s, 0]),
    ));
    who[i.severity]! += 1;
  }
  const changes = (
    (await store
      .knex('cutover_exception_history')
      .whereNotNull('to_status')
      .select('exception_id', 'at', 'to_status')) as { exception_id: number; at: string; to_status: string }[]
  ).map((c) => ({ exceptionId: Number(c.exception_id), at: c.at, toStatus: c.to_status }));
  const queueItems = items.map((i) => ({ id: Number(i.id.replace(/^\D+/, '')), firstSeen: i.firstSeen }));

  const replay = (await allRuns(store, 'replay')).filter(inWindow).reverse().map(replayPoint);
  return {
    generatedAt: now.toISOString(),
    days: opts.days,
    since,
    nights,
    mappings,
    queue: {
      total,
      byStatus,
      backlog: unresolved.length,
      aging,
      byAssignee,
      burnDown: burnDown(nights, queueItems, changes, now),
    },
    replay,
    rollback: await lastPlan(store),
    parity: parity(mappings.length ? reconcile : []),
    hasCauses: mappings.some((m) => m.nights.some((n) => n.causes)),
  };
}

/** Every run of a command, newest first (listRuns pages at its limit; a dashboard wants them all). */
async function allRuns(store: ControlStore, command: string): Promise<RunRecord[]> {
  return listRuns(store, { command, limit: Number.MAX_SAFE_INTEGER });
}

type Summary = Record<string, unknown> | null;
const summaryOf = (r: RunRecord): Summary =>
  r.summary && typeof r.summary === 'object' ? (r.summary as Record<string, unknown>) : null;

function mappingTrends(runs: readonly RunRecord[], nightOf: Map<string, string>): MappingTrend[] {
  const byName = new Map<string, MappingNight[]>();
  for (const r of [...runs].reverse()) {
    const s = summaryOf(r);
    const counts = (s?.counts ?? {}) as Record<string, unknown>;
    const kinds: Record<string, number> = {};
    for (const [k] of differenceKinds) if (typeof counts[k] === 'number') kinds[k] = counts[k];
    const confirm = s?.confirm as Record<string, unknown> | undefined;
    const night: MappingNight = {
      runId: r.id,
      night: nightOf.get(r.id) ?? shortTime(r.startedAt),
      startedAt: r.startedAt,
      status: r.status,
      kinds,
      confirm: confirm ? Object.fromEntries(confirmKinds.map(([k]) => [k, Number(confirm[k] ?? 0)])) : null,
      variance: Object.fromEntries(absoluteVariance(varianceLines(s?.totals))),
      causes: causeCounts(s?.causes),
    };
    const name = r.name ?? r.id;
    byName.set(name, [...(byName.get(name) ?? []), night]);
  }
  return [...byName]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, nights]) => ({
      name,
      nights,
      totals: [...new Set(nights.flatMap((n) => Object.keys(n.variance)))],
    }));
}

function varianceLines(totals: unknown): VarianceLine[] {
  if (!Array.isArray(totals)) return [];
  return totals.filter(
    (t): t is VarianceLine =>
      t && typeof t.group === 'string' && typeof t.field === 'string' && typeof t.difference === 'string',
  );
}

/** Differences per cause kind from a summary's `causes` (a list of causes, or a diagnosis holding one). */
function causeCounts(causes: unknown): Record<string, number> | null {
  const list = Array.isArray(causes)
    ? causes
    : causes && typeof causes === 'object' && Array.isArray((causes as { causes?: unknown }).causes)
      ? (causes as { causes: unknown[] }).causes
      : null;
  if (!list) return null;
  const out: Record<string, number> = {};
  for (const c of list as { kind?: unknown; count?: unknown }[])
    if (typeof c?.kind === 'string' && typeof c.count === 'number')
      out[c.kind] = (out[c.kind] ?? 0) + c.count;
  return out;
}

function replayPoint(r: RunRecord): ReplayPoint {
  const s = summaryOf(r);
  const c = (s?.counts ?? {}) as Record<string, unknown>;
  const n = (v: unknown) => (typeof v === 'number' ? v : 0);
  return {
    runId: r.id,
    startedAt: r.startedAt,
    status: r.status,
    read: n(c.read),
    applied: n(c.applied),
    alreadyApplied: n(c.alreadyApplied),
    failed: n(c.failed),
    parked: n(c.parked),
    eventsPerSecond: n(s?.eventsPerSecond),
  };
}

/** The last rollback plan's readiness: its manual items and what they put at stake. */
async function lastPlan(store: ControlStore): Promise<RollbackReadiness | null> {
  const row = (await store
    .knex('cutover_rollback_plans')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .first('id', 'run_id', 'created_at', 'status', 'plan')) as
    { id: string; run_id: string; created_at: string; status: string; plan: string } | undefined;
  if (!row) return null;
  const plan = JSON.parse(row.plan) as RollbackPlan;
  const manual = plan.actions
    .filter((a) => a.status === 'manual')
    .map((a) => ({
      eventId: a.eventId,
      eventType: a.eventType,
      eventKey: a.eventKey,
      reason: a.reason ?? '',
      amounts: a.amounts,
    }));
  return {
    planId: row.id,
    runId: row.run_id,
    createdAt: row.created_at,
    status: row.status,
    counts: { ok: plan.counts.ok, conflict: plan.counts.conflict, manual: plan.counts.manual },
    manual,
    atStake: absoluteSums(manual.map((m) => m.amounts)),
  };
}

/** The latest run per mapping whose summary has refund cycle times (checks.cycleTime). */
function parity(runs: readonly RunRecord[]): ParityRow[] {
  const seen = new Set<string>();
  const rows: ParityRow[] = [];
  for (const r of runs) {
    const name = r.name ?? r.id;
    const cycle = (summaryOf(r)?.checks as { cycleTime?: CycleTime[] } | undefined)?.cycleTime;
    if (seen.has(name) || !Array.isArray(cycle)) continue;
    seen.add(name);
    for (const c of cycle) rows.push({ ...c, mapping: name, runId: r.id });
  }
  return rows;
}

import type { LoadedConfig } from '../config/load-config.js';
import type { ControlStore } from '../store/control-store.js';
import type { Adapter } from '../adapters/types.js';
import type { Logger } from '../util/logger.js';
import { audit, setRunSummary } from '../store/runs.js';
import { UsageError } from '../errors.js';
import type { PlanAction, RollbackPlan } from '../rollback/plan-types.js';
import type { ApplyPreview, ApplyResult, ReportItem } from '../rollback/apply-types.js';
import { loadPlan, setPlanStatus } from '../rollback/plan-store.js';
import { openPlanTargets, staleRefusal } from '../rollback/apply-guards.js';
import { readRows } from '../rollback/target-rows.js';
import { ensureRollbackLedger } from '../rollback/rollback-ledger.js';
import { walkUndo } from '../rollback/undo-walk.js';
import {
  compensate,
  compensateGroup,
  isUniqueViolation,
  RowChanged,
  type CompensationOutcome,
} from '../rollback/compensate.js';
import { identityOf } from '../rollback/row-image.js';
import { addAmounts } from '../rollback/amounts.js';
import { dict } from '../util/dict.js';

/** Events undone per transaction (each with its mark): fewer commits, and a crash still loses no mark. */
const GROUP = 50;

export type { ApplyPreview, ApplyResult, ReportItem };

export interface ApplyOptions {
  config: LoadedConfig;
  store: ControlStore;
  planId: string;
  skipConflicts: boolean;
  openAdapter: (name: string) => Promise<Adapter>;
  logger: Logger;
  /** Asked once everything is verified and before anything is written; false stops with nothing written. */
  confirm: (preview: ApplyPreview) => Promise<boolean>;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Applies a saved rollback plan, exactly: checks its hash, that its targets are still the run's
 * (same connection, same database, writable), and that every row it will touch is still what the
 * plan expects — a stale plan is refused (exit 2, nothing written) unless conflicts are to be
 * skipped. Then each compensation commits with its mark in the target, in plan order; running the
 * same command again after a crash carries on where it stopped and never undoes anything twice.
 */
export async function applyRollbackPlan(opts: ApplyOptions): Promise<ApplyResult> {
  const { store, planId, logger } = opts;
  const startedAt = new Date().toISOString();
  const { plan, hash } = await loadPlan(store, planId);
  // Events already undone (out of the replay ledger, marked) by this plan's earlier run or another plan.
  const { dbs, undone: marks } = await openPlanTargets(opts, plan);
  const pending = plan.actions.filter((a) => !marks.has(a.eventId));
  const verdicts = await walkUndo(
    pending.map((action) => ({ action, preset: action.status })),
    (target, table, where) => readRows(dbs.get(target)!, dbs.get(target)!.knex, table, where),
  );
  const stale = pending.filter((a, i) => a.status === 'ok' && verdicts[i]!.status !== 'ok');
  const planned = pending.filter((a) => a.status === 'conflict');
  if ((stale.length || planned.length) && !opts.skipConflicts)
    throw staleRefusal(plan, stale, verdicts, pending, planned.length);

  const skipReason = new Map<string, string>();
  pending.forEach((a, i) => {
    const v = verdicts[i]!;
    if (a.status === 'conflict') skipReason.set(a.eventId, a.reason ?? 'a conflict when the plan was made');
    else if (a.status === 'ok' && v.status !== 'ok')
      skipReason.set(a.eventId, `Stale since planning: ${v.reason ?? ''}`);
  });
  const toUndo = pending.filter((a) => a.status === 'ok' && !skipReason.has(a.eventId));
  if (toUndo.length) {
    const ok = await opts.confirm({
      planId,
      runId: plan.runId,
      targets: plan.targets.map((t) => t.name),
      toUndo: toUndo.length,
      toSkip: skipReason.size,
      manual: plan.counts.manual,
    });
    if (!ok)
      throw new UsageError(
        'The rollback was not confirmed; nothing was written.',
        'Run it again and answer y, or pass --yes.',
      );
    await setPlanStatus(store, planId, 'applying');
    await audit(store, {
      action: 'rollback.apply',
      subject: planId,
      detail: { runId: plan.runId, hash, toUndo: toUndo.length },
    });
    for (const db of dbs.values()) await ensureRollbackLedger(db.db);
  }

  // Rows of actions that are not undone: nothing earlier on them may be undone either.
  const blocked = new Set<string>();
  const keysOf = (a: PlanAction) => a.rows.map((r) => identityOf(a.target, a.table ?? '', r.where));
  const result = emptyResult(plan, hash, startedAt);
  const stats = (a: PlanAction) =>
    (result.byType[a.eventType] ??= { undone: 0, skipped: 0, manual: 0, amountsUndone: dict<string>() });
  const undone = (a: PlanAction) => {
    result.undone.push(item(a));
    stats(a).undone++;
    addAmounts(stats(a).amountsUndone, a.amounts);
  };
  const skipped = (a: PlanAction, reason: string) => {
    result.skipped.push(item(a, reason));
    stats(a).skipped++;
    keysOf(a).forEach((k) => blocked.add(k));
  };
  const record = (a: PlanAction, out: CompensationOutcome) => {
    if (out.outcome === 'changed') skipped(a, out.reason);
    else if (out.outcome === 'already' && out.planId !== planId) result.undoneByOtherPlans++;
    else undone(a);
  };
  let done = 0;
  let batch: PlanAction[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const group = batch;
    batch = [];
    const db = dbs.get(group[0]!.target)!;
    let outcomes: Map<string, CompensationOutcome> | undefined;
    try {
      outcomes = await compensateGroup(db, group, plan);
    } catch (err) {
      if (!(err instanceof RowChanged) && !isUniqueViolation(err)) throw err;
    }
    if (outcomes) for (const a of group) record(a, outcomes.get(a.eventId)!);
    else
      // Something in the group changed since the check (or another apply is running): one at a time.
      for (const a of group) {
        if (keysOf(a).some((k) => blocked.has(k)))
          skipped(a, 'A later event on the same row was not undone.');
        else record(a, await compensate(db, a, plan));
      }
    done += group.length;
    opts.onProgress?.(done, toUndo.length);
  };
  for (const a of plan.actions) {
    const mark = marks.get(a.eventId);
    if (mark) {
      if (mark === planId) {
        result.resumed++;
        undone(a);
      } else result.undoneByOtherPlans++;
      continue;
    }
    if (a.status === 'manual') {
      result.manual.push(item(a, a.reason));
      stats(a).manual++;
      keysOf(a).forEach((k) => blocked.add(k));
      continue;
    }
    const skip = skipReason.get(a.eventId);
    if (skip) {
      skipped(a, skip);
      continue;
    }
    if (keysOf(a).some((k) => blocked.has(k))) {
      await flush();
      if (keysOf(a).some((k) => blocked.has(k))) {
        skipped(a, 'A later event on the same row was not undone.');
        continue;
      }
    }
    if (batch.length && (batch[0]!.target !== a.target || batch.length >= GROUP)) await flush();
    batch.push(a);
  }
  await flush();
  result.counts = {
    undone: result.undone.length,
    skipped: result.skipped.length,
    manual: result.manual.length,
  };
  result.status = result.counts.skipped || result.counts.manual ? 'partial' : 'complete';
  result.finishedAt = new Date().toISOString();
  await setPlanStatus(store, planId, result.status, { counts: result.counts, resumed: result.resumed });
  await setRunSummary(store, planId, {
    planId,
    runId: plan.runId,
    hash,
    status: result.status,
    counts: result.counts,
    planCounts: plan.counts,
  });
  await audit(store, {
    action: 'rollback.applied',
    subject: planId,
    detail: { status: result.status, counts: result.counts },
  });
  logger.debug({ planId, counts: result.counts }, 'rollback applied');
  return result;
}

function item(a: PlanAction, reason?: string): ReportItem {
  return {
    seq: a.seq,
    eventId: a.eventId,
    eventType: a.eventType,
    eventKey: a.eventKey,
    target: a.target,
    table: a.table,
    undo: a.undo,
    amounts: a.amounts,
    ...(reason ? { reason } : {}),
    ...(a.payload !== undefined ? { payload: a.payload } : {}),
  };
}

function emptyResult(plan: RollbackPlan, hash: string, startedAt: string): ApplyResult {
  return {
    planId: plan.planId,
    runId: plan.runId,
    hash,
    status: 'complete',
    counts: { undone: 0, skipped: 0, manual: 0 },
    resumed: 0,
    undoneByOtherPlans: 0,
    byType: dict(),
    undone: [],
    skipped: [],
    manual: [],
    startedAt,
    finishedAt: startedAt,
  };
}

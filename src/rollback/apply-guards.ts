import type { RollbackPlan, PlanAction } from './plan-types.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { ControlStore } from '../store/control-store.js';
import type { Adapter } from '../adapters/types.js';
import { getRun } from '../store/runs.js';
import { eventStates } from './rollback-ledger.js';
import { UsageError } from '../errors.js';
import { describeTarget, openTargetDb, runTargets } from './run-targets.js';
import type { TargetDb } from './target-rows.js';

/**
 * Opens the plan's database targets after checking each is still the run's target, the same
 * database, and writable. Returns them with the plan's events already undone there (out of the
 * replay ledger, marked): event id → the plan that undid it.
 */
export async function openPlanTargets(
  opts: { config: LoadedConfig; store: ControlStore; openAdapter: (name: string) => Promise<Adapter> },
  plan: RollbackPlan,
): Promise<{ dbs: Map<string, TargetDb>; undone: Map<string, string> }> {
  const run = await getRun(opts.store, plan.runId, 'replay').catch(() => {
    throw new UsageError(
      `The replay run ${plan.runId} of rollback plan ${plan.planId} is no longer in the control store.`,
      'Check --config points at the control store the plan was made with.',
    );
  });
  const now = await runTargets(opts.config, run);
  const dbs = new Map<string, TargetDb>();
  const undone = new Map<string, string>();
  for (const t of plan.targets) {
    const current = describeTarget(opts.config, t.name, plan.runId);
    if (!now.some((n) => n.name === t.name) || current.url !== t.url || current.dialect !== t.dialect)
      throw new UsageError(
        `Rollback plan ${plan.planId} was made for the connection "${t.name}" at ${t.url}, but "${t.name}" is now ${current.url}.`,
        'Nothing was written. Point the connection back at the database the run wrote to, or make a new plan for this one.',
      );
    const db = await openTargetDb(t, opts.openAdapter);
    if (!db) continue;
    const ids = plan.actions.filter((a) => a.target === t.name).map((a) => a.eventId);
    // Every event the plan undoes is either still in the run's replay ledger or marked undone there.
    const states = await eventStates(db.knex, plan.runId, ids);
    const found = states.applied.size + states.undone.size;
    if (found !== ids.length)
      throw new UsageError(
        `The database behind "${t.name}" is not the one rollback plan ${plan.planId} was made for: its replay ledger holds ${found} of the ${ids.length} events of run ${plan.runId} the plan undoes (still applied, or marked undone).`,
        'Nothing was written. Point the connection at the database the run wrote to.',
      );
    for (const [id, m] of states.undone) undone.set(id, m.plan_id);
    dbs.set(t.name, db);
  }
  return { dbs, undone };
}

/** The refusal of a stale plan, or of one with conflicts, without --skip-conflicts. */
export function staleRefusal(
  plan: RollbackPlan,
  stale: PlanAction[],
  verdicts: { status: string; reason?: string }[],
  pending: PlanAction[],
  planned: number,
): UsageError {
  const first = stale[0];
  const why = first ? verdicts[pending.indexOf(first)]?.reason : undefined;
  const parts: string[] = [];
  if (stale.length)
    parts.push(
      `Rollback plan ${plan.planId} is stale: ${stale.length} of its actions no longer match the target (first: ${first!.eventId} ${first!.eventType}: ${why ?? 'changed'}).`,
    );
  if (planned)
    parts.push(
      `The plan has ${planned} conflict${planned === 1 ? '' : 's'} (see reports/${plan.planId}/rollback-plan.md).`,
    );
  return new UsageError(
    `${parts.join(' ')} Nothing was written.`,
    `Make a new plan (\`cutover rollback plan --run ${plan.runId}\`) and review it, or apply this one with --skip-conflicts to undo everything else and report the rest as skipped.`,
  );
}

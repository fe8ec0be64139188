import type { ControlStore } from '../store/control-store.js';
import { DataError, UsageError } from '../errors.js';
import { setRunStatus } from '../store/runs.js';
import { canonicalJson, planHash } from './plan-hash.js';
import type { RollbackPlan } from './plan-types.js';
import { claimRun, stopHeartbeat } from '../store/run-liveness.js';

const T = 'cutover_rollback_plans';

/** A stored plan and its bookkeeping. */
export interface StoredPlan {
  plan: RollbackPlan;
  hash: string;
  status: string;
}

/** Saves a plan with its content hash; the plan text saved is exactly what the hash covers. */
export async function savePlan(store: ControlStore, plan: RollbackPlan, hash: string): Promise<void> {
  await store.knex(T).insert({
    id: plan.planId,
    run_id: plan.runId,
    target: JSON.stringify(plan.targets),
    created_at: plan.createdAt,
    created_by: plan.createdBy,
    hash,
    status: 'planned',
    plan: canonicalJson(plan),
    counts: JSON.stringify(plan.counts),
  });
}

/**
 * Loads a plan and checks its hash: a plan edited in the store after it was reviewed is refused
 * (exit 2), as Terraform refuses a plan file that does not match.
 */
export async function loadPlan(store: ControlStore, planId: string): Promise<StoredPlan> {
  const row = (await store.knex(T).where({ id: planId }).first()) as Record<string, string> | undefined;
  if (!row) {
    const recent = (await store.knex(T).orderBy('created_at', 'desc').limit(5).select('id')) as {
      id: string;
    }[];
    throw new UsageError(
      `There is no rollback plan "${planId}" in the control store.`,
      recent.length
        ? `Recent plans: ${recent.map((r) => r.id).join(', ')}.`
        : 'Make one with `cutover rollback plan --run RUN`, and check --config points at the right cutover.yaml.',
    );
  }
  let plan: RollbackPlan;
  try {
    plan = JSON.parse(row.plan!) as RollbackPlan;
  } catch {
    throw new DataError(
      `The stored rollback plan ${planId} is not valid JSON.`,
      'Make a new plan with `cutover rollback plan`.',
    );
  }
  const hash = planHash(plan);
  if (hash !== row.hash)
    throw new DataError(
      `The rollback plan ${planId} was changed after it was made (its content hash is ${hash.slice(0, 12)}…, the plan was saved as ${String(row.hash).slice(0, 12)}…).`,
      'Nothing was written. Make a new plan with `cutover rollback plan --run RUN`, review it, and apply that one.',
    );
  return { plan, hash, status: row.status! };
}

/** Records where an apply stands. */
export async function setPlanStatus(
  store: ControlStore,
  planId: string,
  status: 'applying' | 'complete' | 'partial',
  result?: unknown,
): Promise<void> {
  const now = new Date().toISOString();
  const patch: Record<string, unknown> = { status };
  if (status === 'applying') patch.applied_at = now;
  else {
    patch.finished_at = now;
    patch.result = JSON.stringify(result ?? null);
  }
  await store.knex(T).where({ id: planId }).update(patch);
  if (status === 'applying') await claimRun(store, planId, status);
  else {
    stopHeartbeat(planId);
    await setRunStatus(store, planId, status, now);
  }
}

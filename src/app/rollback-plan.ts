import type { LoadedConfig } from '../config/load-config.js';
import type { ControlStore } from '../store/control-store.js';
import type { Adapter } from '../adapters/types.js';
import type { Logger } from '../util/logger.js';
import { createRun, currentUser, finishRun, getRun, audit } from '../store/runs.js';
import { LEDGER_TABLE, readLedger } from '../replay/ledger.js';
import { HTTP_LEDGER_TABLE } from '../replay/apply-http.js';
import { recordException } from '../exceptions/queue.js';
import { UsageError } from '../errors.js';
import type { PlanAction, RollbackPlan, TypeSummary } from '../rollback/plan-types.js';
import { openTargetDb, runTargets, type ReplaySummary } from '../rollback/run-targets.js';
import { readRows, type TargetDb } from '../rollback/target-rows.js';
import { hasRollbackLedger, marksOf } from '../rollback/rollback-ledger.js';
import { dbAction, httpAction, type HttpLedgerRow } from '../rollback/build-actions.js';
import { loadEventsMapping } from '../config/events-schema.js';
import { walkUndo } from '../rollback/undo-walk.js';
import { addAmounts, netAmounts, payloadAmounts } from '../rollback/amounts.js';
import { loadPayloads } from '../rollback/event-payloads.js';
import { planHash } from '../rollback/plan-hash.js';
import { savePlan } from '../rollback/plan-store.js';
import { dict } from '../util/dict.js';

export interface PlanOptions {
  config: LoadedConfig;
  store: ControlStore;
  runId: string;
  openAdapter: (name: string) => Promise<Adapter>;
  logger: Logger;
  now?: Date;
}

export interface PlanResult {
  plan: RollbackPlan;
  hash: string;
  exceptions: { opened: number; updated: number };
}

/**
 * Makes a rollback plan for a replay run: reads the run's ledger in each target, turns every applied
 * event into its compensation in reverse order, checks each against the target as it is now (ok,
 * conflict, or manual), saves the plan with its content hash and records conflicts in the exception
 * queue. Reads the targets only; writes the control store only.
 */
export async function createRollbackPlan(opts: PlanOptions): Promise<PlanResult> {
  const { config, store, runId, logger } = opts;
  const run = await getRun(store, runId, 'replay');
  const targets = await runTargets(config, run);
  const summary = (run.summary ?? {}) as ReplaySummary;

  const dbs = new Map<string, TargetDb>();
  const actions: PlanAction[] = [];
  let alreadyUndone = 0;
  const undoneBy = new Set<string>();
  for (const t of targets) {
    const db = await openTargetDb(t, opts.openAdapter);
    if (db) {
      dbs.set(t.name, db);
      if (!(await db.knex.schema.hasTable(LEDGER_TABLE))) continue;
      // The replay ledger holds what is still applied: an undone event left it with its compensation.
      const ledger = await readLedger(db.knex, runId);
      if (await hasRollbackLedger(db.knex)) {
        const inLedger = new Set(ledger.map((r) => r.event_id));
        const undone = new Set<string>();
        for (const m of await marksOf(db.knex, runId))
          if (!inLedger.has(m.event_id)) {
            undone.add(m.event_id);
            undoneBy.add(m.plan_id);
          }
        alreadyUndone += undone.size;
      }
      const pks = new Map<string, string[]>();
      for (const row of ledger) {
        const table = row.table_name ?? '';
        if (!pks.has(table)) pks.set(table, await db.db.primaryKeyOf(table));
        actions.push(dbAction(row, t.name, pks.get(table)!));
      }
    } else if (await store.knex.schema.hasTable(HTTP_LEDGER_TABLE)) {
      const rows = (await store
        .knex(HTTP_LEDGER_TABLE)
        .where({ run_id: runId, target: t.name })) as HttpLedgerRow[];
      actions.push(...rows.map(httpAction));
    }
  }
  if (!actions.length)
    throw new UsageError(
      alreadyUndone
        ? `Every event of run ${runId} has already been undone (by ${[...undoneBy].join(', ')}).`
        : `The replay ledger of ${targets.map((t) => t.name).join(', ')} holds no event of run ${runId}.`,
      alreadyUndone
        ? 'There is nothing left to roll back; `cutover runs show` shows the rollback runs.'
        : 'Either the run applied nothing, or the connection now points at a different database than the one the run wrote to.',
    );
  actions.sort((a, b) => b.seq - a.seq || (a.eventId < b.eventId ? 1 : -1));

  const verdicts = await walkUndo(
    actions.map((action) => ({ action, preset: action.status })),
    (target, table, where) => readRows(dbs.get(target)!, dbs.get(target)!.knex, table, where),
  );
  const payloads = await loadPayloads(
    summary.source,
    new Set(actions.filter((a, i) => verdicts[i]!.status === 'manual').map((a) => a.eventId)),
  );
  for (const [i, a] of actions.entries()) {
    const v = verdicts[i]!;
    a.status = v.status;
    a.amounts = netAmounts(a.rows);
    if (v.reason) a.reason = v.reason;
    if (v.current) a.current = v.current;
    if (a.status === 'manual') {
      const payload = payloads.get(a.eventId);
      if (payload !== undefined) a.payload = payload;
      if (!Object.keys(a.amounts).length) a.amounts = payloadAmounts(payload);
      a.reason ??= manualReason(a, summary);
    }
  }

  const now = opts.now ?? new Date();
  const planId = await createRun(store, { prefix: 'b', command: 'rollback', now });
  const plan: RollbackPlan = {
    planId,
    runId,
    runStatus: run.status,
    createdAt: now.toISOString(),
    createdBy: currentUser(),
    targets,
    counts: count(actions, alreadyUndone),
    byType: byType(actions),
    actions,
  };
  const hash = planHash(plan);
  await savePlan(store, plan, hash);
  await finishRun(store, planId, 'planned', {
    planId,
    runId,
    hash,
    counts: plan.counts,
    targets: targets.map((t) => t.name),
  });
  await audit(store, {
    action: 'rollback.plan',
    subject: planId,
    detail: { runId, hash, counts: plan.counts },
  });
  const exceptions = await recordConflicts(store, plan, summary);
  logger.debug({ planId, counts: plan.counts }, 'rollback plan saved');
  return { plan, hash, exceptions };
}

function count(actions: PlanAction[], alreadyUndone: number): RollbackPlan['counts'] {
  const c = { ok: 0, conflict: 0, manual: 0, alreadyUndone };
  for (const a of actions) c[a.status]++;
  return c;
}

function byType(actions: PlanAction[]): Record<string, TypeSummary> {
  const out = dict<TypeSummary>();
  for (const a of actions) {
    const s = (out[a.eventType] ??= { actions: 0, ok: 0, conflict: 0, manual: 0, amounts: dict<string>() });
    s.actions++;
    s[a.status]++;
    addAmounts(s.amounts, a.amounts);
  }
  return out;
}

/** What a person must do for an effect cutover will not undo, amounts first (from the payload when it could be read). */
function manualReason(a: PlanAction, summary: ReplaySummary): string {
  const fromPayload = payloadAmounts(a.payload);
  const amounts = Object.entries(Object.keys(fromPayload).length ? fromPayload : a.amounts)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const head = amounts ? `${amounts}: ` : '';
  const where =
    a.payload === undefined && summary.source?.kind === 'table'
      ? ` The event's payload is in ${summary.source.connection}:${summary.source.table}.`
      : '';
  if (a.action === 'http')
    return `${head}an HTTP effect (${a.undo.replace(/^none: /, '')} on ${a.target}) that cutover cannot take back. A person must reverse it in that system (cancel or reverse what the request created) and record it.${where}`;
  return `${head}${a.eventType} is declared irreversible (${a.action} on ${a.table}), so cutover leaves it in place. A person must reverse it in the business (for a refund paid out: a new charge, a write-off or an accepted variance) and record it.${where}`;
}

/** Each conflict becomes (or updates) a `rollback_conflict` item in the exception queue. */
async function recordConflicts(
  store: ControlStore,
  plan: RollbackPlan,
  summary: ReplaySummary,
): Promise<{ opened: number; updated: number }> {
  const out = { opened: 0, updated: 0 };
  const loaded = summary.mappingFile
    ? await loadEventsMapping(summary.mappingFile).catch(() => undefined)
    : undefined;
  const mapping = loaded?.name ?? 'events';
  for (const a of plan.actions) {
    if (a.status !== 'conflict') continue;
    const r = await recordException(store, {
      kind: 'rollback_conflict',
      mapping,
      eventType: a.eventType,
      key: a.eventId,
      details: {
        planId: plan.planId,
        runId: plan.runId,
        eventId: a.eventId,
        eventKey: a.eventKey,
        target: a.target,
        table: a.table,
        rows: a.rows,
        current: a.current ?? null,
      },
      error: a.reason,
      runId: plan.planId,
    });
    if (r.created) out.opened++;
    else out.updated++;
  }
  return out;
}

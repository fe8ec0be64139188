import type { Knex } from 'knex';
import type { PlanAction } from './plan-types.js';
import { deleteRow, insertRow, readRows, updateRow, type TargetDb } from './target-rows.js';
import { mismatch } from './undo-walk.js';
import { LEDGER_TABLE } from '../replay/ledger.js';
import { marksOf, ROLLBACK_LEDGER } from './rollback-ledger.js';
import { isUniqueViolation } from '../adapters/db-errors.js';

export { isUniqueViolation };

/** What happened to one action. */
export type CompensationOutcome =
  { outcome: 'undone' } | { outcome: 'already'; planId: string } | { outcome: 'changed'; reason: string };

/** A row is not what the plan expects: the transaction is rolled back, nothing of it is written. */
export class RowChanged extends Error {}

/**
 * Undoes a group of events (in plan order) in ONE transaction on their target: each compensation,
 * its rollback mark, and the deletion of its row from the replay ledger all commit or none do. The
 * replay ledger row is the claim: it is locked first, and an event whose row is gone (an earlier,
 * interrupted apply, or another plan) is left alone — so nothing is undone twice, and a replay of
 * the same event later applies it again. Each row is locked and checked against what the plan
 * expects before it is restored, deleted or re-inserted: a row changed since planning throws
 * RowChanged (the caller retries the group one event at a time to isolate it).
 */
export async function compensateGroup(
  db: TargetDb,
  actions: PlanAction[],
  plan: { planId: string; runId: string },
): Promise<Map<string, CompensationOutcome>> {
  return db.db.transaction(async (trx) => {
    const out = new Map<string, CompensationOutcome>();
    const ids = actions.map((a) => a.eventId);
    const claim = trx(LEDGER_TABLE).where({ run_id: plan.runId }).whereIn('event_id', ids).select('event_id');
    db.db.lockRows(claim);
    const applied = new Set(((await claim) as { event_id: string }[]).map((r) => r.event_id));
    const gone = ids.filter((id) => !applied.has(id));
    if (gone.length) {
      const by = new Map((await marksOf(trx, plan.runId, gone)).map((m) => [m.event_id, m.plan_id]));
      for (const id of gone)
        out.set(
          id,
          by.has(id)
            ? { outcome: 'already', planId: by.get(id)! }
            : {
                outcome: 'changed',
                reason: `Its row in the replay ledger is gone, and no rollback undid it.`,
              },
        );
    }
    const todo = actions.filter((a) => applied.has(a.eventId));
    const at = new Date().toISOString();
    for (let i = 0; i < todo.length; i += 100) {
      const chunk = todo.slice(i, i + 100);
      // The event is applied again (replayed after an earlier undo by this plan): that mark is history.
      await trx(ROLLBACK_LEDGER)
        .where({ plan_id: plan.planId })
        .whereIn(
          'event_id',
          chunk.map((a) => a.eventId),
        )
        .del();
      await trx(ROLLBACK_LEDGER).insert(
        chunk.map((a) => ({
          event_id: a.eventId,
          run_id: plan.runId,
          plan_id: plan.planId,
          undone_at: at,
          outcome: 'undone',
        })),
      );
      const n = await trx(LEDGER_TABLE)
        .where({ run_id: plan.runId })
        .whereIn(
          'event_id',
          chunk.map((a) => a.eventId),
        )
        .del();
      if (n !== chunk.length) throw new RowChanged('another rollback is undoing the same events.');
    }
    for (const a of todo) {
      await undoRows(db, trx, a);
      out.set(a.eventId, { outcome: 'undone' });
    }
    return out;
  });
}

/** Undoes one event (see compensateGroup); a changed row is reported, not thrown. */
export async function compensate(
  db: TargetDb,
  action: PlanAction,
  plan: { planId: string; runId: string },
): Promise<CompensationOutcome> {
  try {
    return (await compensateGroup(db, [action], plan)).get(action.eventId)!;
  } catch (err) {
    if (err instanceof RowChanged)
      return { outcome: 'changed', reason: `Changed during apply: ${err.message}` };
    if (isUniqueViolation(err)) {
      const [mark] = await marksOf(db.knex, plan.runId, [action.eventId]);
      if (mark) return { outcome: 'already', planId: mark.plan_id };
    }
    throw err;
  }
}

async function undoRows(db: TargetDb, trx: Knex.Transaction, action: PlanAction): Promise<void> {
  const table = action.table!;
  for (const r of action.rows) {
    const now = await readRows(db, trx, table, r.where, true);
    const why = mismatch(
      table,
      r,
      now.length === 1 ? now[0]! : now.length === 0 ? null : { __rows: now.length },
    );
    if (why) throw new RowChanged(why);
    const n = !r.restore
      ? await deleteRow(trx, table, r.where)
      : !r.expect
        ? (await insertRow(trx, table, r.restore), 1)
        : await updateRow(trx, table, r.where, r.restore);
    if (n !== 1) throw new RowChanged(`${table}: the undo changed ${n} rows where it expected one.`);
  }
}

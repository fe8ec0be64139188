import type { Knex } from 'knex';
import type { PlanAction } from './plan-types.js';
import { deleteRow, insertRow, readRows, updateRow, type TargetDb } from './target-rows.js';
import { mismatch } from './undo-walk.js';
import { ROLLBACK_LEDGER } from './rollback-ledger.js';

/** What happened to one action. */
export type CompensationOutcome =
  { outcome: 'undone' } | { outcome: 'already'; planId: string } | { outcome: 'changed'; reason: string };

/** A row is not what the plan expects: the transaction is rolled back, nothing of it is written. */
export class RowChanged extends Error {}

/**
 * Undoes a group of events (in plan order) in ONE transaction on their target, each with its
 * rollback mark: all commit or none do. An event already marked (an earlier, interrupted apply, or
 * another plan) is left alone — checked inside the transaction, and the mark's primary key makes a
 * concurrent apply of the same event fail rather than undo it twice. Each row is locked and checked
 * against what the plan expects before it is restored, deleted or re-inserted: a row changed since
 * planning throws RowChanged (the caller retries the group one event at a time to isolate it).
 */
export async function compensateGroup(
  db: TargetDb,
  actions: PlanAction[],
  planId: string,
): Promise<Map<string, CompensationOutcome>> {
  return db.knex.transaction(async (trx) => {
    const out = new Map<string, CompensationOutcome>();
    const ids = actions.map((a) => a.eventId);
    const marked = (await trx(ROLLBACK_LEDGER).whereIn('event_id', ids).select('event_id', 'plan_id')) as {
      event_id: string;
      plan_id: string;
    }[];
    for (const m of marked) out.set(m.event_id, { outcome: 'already', planId: m.plan_id });
    const todo = actions.filter((a) => !out.has(a.eventId));
    const at = new Date().toISOString();
    for (let i = 0; i < todo.length; i += 100)
      await trx(ROLLBACK_LEDGER).insert(
        todo
          .slice(i, i + 100)
          .map((a) => ({ event_id: a.eventId, plan_id: planId, undone_at: at, outcome: 'undone' })),
      );
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
  planId: string,
): Promise<CompensationOutcome> {
  try {
    return (await compensateGroup(db, [action], planId)).get(action.eventId)!;
  } catch (err) {
    if (err instanceof RowChanged)
      return { outcome: 'changed', reason: `Changed during apply: ${err.message}` };
    if (isUniqueViolation(err)) {
      const row = (await db.knex(ROLLBACK_LEDGER).where({ event_id: action.eventId }).first()) as
        { plan_id: string } | undefined;
      if (row) return { outcome: 'already', planId: row.plan_id };
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

/** A primary-key collision: PostgreSQL, SQLite, SQL Server. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string | number; number?: number; message?: string };
  return (
    e?.code === '23505' ||
    /^SQLITE_CONSTRAINT/.test(String(e?.code ?? '')) ||
    e?.number === 2627 ||
    /UNIQUE constraint failed|duplicate key/i.test(e?.message ?? '')
  );
}

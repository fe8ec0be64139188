import type { Knex } from 'knex';
import type { WriteDriver } from '../adapters/types.js';
import { LEDGER_TABLE } from '../replay/ledger.js';
import { UsageError } from '../errors.js';

/**
 * Rollback marks in the TARGET database, one per event a plan undid, written in the same transaction
 * as the compensation — which also deletes the event's row from the replay ledger. The replay ledger
 * therefore holds exactly the events whose effect is in the target: a crash leaves each event either
 * undone, marked and out of the ledger, or untouched; running apply again never undoes anything
 * twice; and replaying the same events after a rollback applies them again instead of skipping them
 * as "already applied". The marks (with the plan, in the control store) are the record of what was undone.
 */
export const ROLLBACK_LEDGER = 'cutover_rollback_ledger';

export interface RollbackMark {
  event_id: string;
  run_id: string;
  plan_id: string;
  undone_at: string;
  outcome: string;
}

/** Whether the marks table exists (false when missing); one from a pre-release build is refused. */
export async function hasRollbackLedger(knex: Knex): Promise<boolean> {
  if (!(await knex.schema.hasTable(ROLLBACK_LEDGER))) return false;
  if (!(await knex.schema.hasColumn(ROLLBACK_LEDGER, 'run_id')))
    throw new UsageError(
      `The target holds a ${ROLLBACK_LEDGER} table written by a pre-release cutover (it has no run_id column).`,
      `Drop that table (it only records what earlier rollbacks undid) and run the command again.`,
    );
  return true;
}

/** Creates the marks table when it is missing. */
export async function ensureRollbackLedger(db: WriteDriver): Promise<void> {
  const knex = db.knex;
  if (await hasRollbackLedger(knex)) return;
  try {
    await knex.schema.createTable(ROLLBACK_LEDGER, (t) => {
      // Keys compare exactly (bytewise), as in the replay ledger.
      db.keyColumn(t, 'event_id', 200).notNullable();
      db.keyColumn(t, 'run_id', 100).notNullable();
      db.keyColumn(t, 'plan_id', 100).notNullable();
      t.string('undone_at', 40).notNullable();
      t.string('outcome', 20).notNullable();
      // A plan undoes an event once; the same event may be replayed and undone again later.
      t.primary(['plan_id', 'event_id']);
      t.index(['run_id', 'event_id']);
    });
  } catch (err) {
    if (!(await knex.schema.hasTable(ROLLBACK_LEDGER))) throw err;
  }
}

/** Where a run's events stand in one target. */
export interface EventStates {
  /** Still applied: the replay ledger holds them for this run. */
  applied: Set<string>;
  /** Undone: out of the replay ledger, with the (latest) mark of the plan that undid them. */
  undone: Map<string, RollbackMark>;
}

/** Reads, in chunks for parameter limits, which of a run's events are applied and which undone. */
export async function eventStates(knex: Knex, runId: string, eventIds: string[]): Promise<EventStates> {
  const applied = new Set<string>();
  const undone = new Map<string, RollbackMark>();
  const ledger = await knex.schema.hasTable(LEDGER_TABLE);
  const marksTable = await hasRollbackLedger(knex);
  for (let i = 0; i < eventIds.length; i += 500) {
    const ids = eventIds.slice(i, i + 500);
    if (ledger)
      for (const r of (await knex(LEDGER_TABLE)
        .where({ run_id: runId })
        .whereIn('event_id', ids)
        .select('event_id')) as { event_id: string }[])
        applied.add(r.event_id);
    const rest = ids.filter((id) => !applied.has(id));
    if (!marksTable || !rest.length) continue;
    for (const m of await marksOf(knex, runId, rest)) {
      const seen = undone.get(m.event_id);
      if (!seen || seen.undone_at < m.undone_at) undone.set(m.event_id, m);
    }
  }
  return { applied, undone };
}

/** The marks of a run (all of them, or those of the given events). */
export async function marksOf(
  knex: Knex | Knex.Transaction,
  runId: string,
  eventIds?: string[],
): Promise<RollbackMark[]> {
  const q = knex(ROLLBACK_LEDGER).where({ run_id: runId });
  if (eventIds) q.whereIn('event_id', eventIds);
  return (await q.select('event_id', 'run_id', 'plan_id', 'undone_at', 'outcome')) as RollbackMark[];
}

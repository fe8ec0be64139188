import type { Knex } from 'knex';

/**
 * Rollback marks in the TARGET database, one per undone event, written in the same transaction as
 * the compensation: a crash leaves each event either undone and marked or untouched and unmarked,
 * so running apply again never undoes anything twice. Kept apart from the replay ledger on purpose:
 * replay's rows stay the record of what was applied.
 */
export const ROLLBACK_LEDGER = 'cutover_rollback_ledger';

export interface RollbackMark {
  event_id: string;
  plan_id: string;
  undone_at: string;
  outcome: string;
}

/** Creates the marks table when it is missing. */
export async function ensureRollbackLedger(knex: Knex): Promise<void> {
  if (await knex.schema.hasTable(ROLLBACK_LEDGER)) return;
  try {
    await knex.schema.createTable(ROLLBACK_LEDGER, (t) => {
      t.string('event_id', 200).primary();
      t.string('plan_id', 100).notNullable();
      t.string('undone_at', 40).notNullable();
      t.string('outcome', 20).notNullable();
      t.index(['plan_id']);
    });
  } catch (err) {
    if (!(await knex.schema.hasTable(ROLLBACK_LEDGER))) throw err;
  }
}

/** The marks held for these events (any plan), chunked for parameter limits; none when the table is missing. */
export async function readMarks(knex: Knex, eventIds: string[]): Promise<Map<string, RollbackMark>> {
  const out = new Map<string, RollbackMark>();
  if (!(await knex.schema.hasTable(ROLLBACK_LEDGER))) return out;
  for (let i = 0; i < eventIds.length; i += 500) {
    const rows = (await knex(ROLLBACK_LEDGER).whereIn(
      'event_id',
      eventIds.slice(i, i + 500),
    )) as RollbackMark[];
    for (const r of rows) out.set(r.event_id, r);
  }
  return out;
}

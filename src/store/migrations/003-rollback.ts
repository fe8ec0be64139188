import type { Knex } from 'knex';

/**
 * Saved rollback plans. The plan JSON is what `rollback apply` executes, and its sha256 (`hash`)
 * is checked before it does, so an edited plan is refused. Per-action progress lives in the TARGET
 * (`cutover_rollback_ledger`, written in the same transaction as each compensation), not here.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('cutover_rollback_plans', (t) => {
    t.string('id', 100).primary();
    t.string('run_id', 100).notNullable();
    t.text('target').notNullable(); // JSON: [{ name, url (redacted), dialect }]
    t.string('created_at', 40).notNullable();
    t.string('created_by', 200);
    t.string('hash', 64).notNullable();
    t.string('status', 20).notNullable(); // planned | applying | complete | partial
    t.text('plan').notNullable(); // the canonical plan JSON the hash is taken of
    t.text('counts').notNullable(); // JSON: { ok, conflict, manual }
    t.string('applied_at', 40);
    t.string('finished_at', 40);
    t.text('result'); // JSON: the last apply's counts
    t.index(['run_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('cutover_rollback_plans');
}

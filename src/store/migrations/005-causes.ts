import type { Knex } from 'knex';

/**
 * Diagnosis: the causes found for a run (`cutover diagnose`), and on each stored difference the
 * kind of the cause that explains it, so the exception queue can act on a cause's items.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('cutover_causes', (t) => {
    t.string('run_id', 100).notNullable().references('id').inTable('cutover_runs').onDelete('CASCADE');
    t.integer('rank').notNullable(); // 1 = the cause that explains most differences
    t.string('kind', 30).notNullable();
    t.string('field', 200);
    t.integer('count').notNullable();
    t.text('body').notNullable(); // the Cause as JSON
    t.primary(['run_id', 'rank']);
  });
  await knex.schema.alterTable('cutover_differences', (t) => {
    t.string('cause', 30); // the kind of the cause that explains it; NULL: unexplained or not diagnosed
    t.index(['run_id', 'cause', 'key_text']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cutover_differences', (t) => {
    t.dropIndex(['run_id', 'cause', 'key_text']);
    t.dropColumn('cause');
  });
  await knex.schema.dropTableIfExists('cutover_causes');
}

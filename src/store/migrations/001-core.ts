import type { Knex } from 'knex';

/** Runs, their differences, and the append-only audit log. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('cutover_runs', (t) => {
    t.string('id', 100).primary();
    t.string('command', 40).notNullable();
    t.string('name', 200);
    t.string('status', 20).notNullable(); // running | clean | differences | failures | error | complete | partial
    t.string('started_at', 40).notNullable();
    t.string('finished_at', 40);
    t.text('summary'); // JSON
    t.string('user_name', 200);
    t.string('host', 200);
    t.index(['command', 'started_at']);
  });
  await knex.schema.createTable('cutover_differences', (t) => {
    t.string('run_id', 100).notNullable().references('id').inTable('cutover_runs').onDelete('CASCADE');
    t.integer('seq').notNullable();
    t.string('type', 30).notNullable();
    t.text('key_text').notNullable(); // canonical key encoding, for joins with the exception queue
    t.text('body').notNullable(); // the Difference as JSON
    t.primary(['run_id', 'seq']);
    t.index(['run_id', 'type', 'seq']); // per-class report sheets page through one type
  });
  await knex.schema.createTable('cutover_audit', (t) => {
    t.increments('id');
    t.string('at', 40).notNullable();
    t.string('user_name', 200);
    t.string('host', 200);
    t.string('action', 60).notNullable();
    t.string('subject', 200);
    t.text('detail');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('cutover_audit');
  await knex.schema.dropTableIfExists('cutover_differences');
  await knex.schema.dropTableIfExists('cutover_runs');
}

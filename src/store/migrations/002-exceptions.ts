import type { Knex } from 'knex';

/**
 * The exception queue: one row per problem (a reconcile difference keyed by mapping, record key and
 * kind; or a replay/rollback failure), and its append-only history.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('cutover_exceptions', (t) => {
    t.increments('id');
    t.string('kind', 30).notNullable();
    t.string('mapping', 200).notNullable();
    t.string('event_type', 200);
    t.text('key_text').notNullable(); // encodeKey() for reconcile items, the event key for replay
    t.text('key_json'); // the key as shown to people (object or string)
    t.text('details'); // the latest Difference body, or the event and its error
    t.string('status', 20).notNullable(); // open | assigned | resolved | ignored
    t.string('size_severity', 10).notNullable(); // low | medium | high, from the variance only
    t.string('variance', 60); // absolute variance as an exact decimal string, when measurable
    t.string('first_seen', 40).notNullable();
    t.string('last_seen', 40).notNullable();
    t.integer('occurrences').notNullable().defaultTo(1);
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    t.string('assignee', 200);
    t.string('first_run_id', 100);
    t.string('last_run_id', 100);
    t.string('resolved_by_run', 100);
    t.string('updated_at', 40).notNullable();
    t.integer('version').notNullable().defaultTo(1);
    t.unique(['mapping', 'key_text', 'kind']);
    t.index(['status', 'mapping']);
    t.index(['last_run_id']);
    t.index(['first_run_id']);
  });
  await knex.schema.createTable('cutover_exception_history', (t) => {
    t.increments('id');
    t.integer('exception_id')
      .notNullable()
      .references('id')
      .inTable('cutover_exceptions')
      .onDelete('CASCADE');
    t.string('at', 40).notNullable();
    t.string('who', 200).notNullable();
    t.string('action', 30).notNullable();
    t.string('from_status', 20);
    t.string('to_status', 20);
    t.text('note');
    t.text('changes'); // JSON: the fields this change set, { field: [before, after] }
    t.string('run_id', 100);
    t.index(['exception_id', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('cutover_exception_history');
  await knex.schema.dropTableIfExists('cutover_exceptions');
}

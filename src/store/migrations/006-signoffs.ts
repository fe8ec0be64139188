import type { Knex } from 'knex';

/**
 * Certification (docs/signoff.md): one row per sign-off of a reconcile run (prepared, then approved
 * or rejected by another person, or superseded by a later run whose figures moved), and its
 * append-only history (every act, with who, when, the note and the per-item notes).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('cutover_signoffs', (t) => {
    t.increments('id');
    t.string('run_id', 100).notNullable().references('id').inTable('cutover_runs').onDelete('CASCADE');
    t.string('mapping', 200).notNullable();
    t.string('status', 20).notNullable(); // prepared | approved | rejected | superseded
    t.string('preparer', 200).notNullable();
    t.string('prepared_at', 40).notNullable();
    t.string('reviewer', 200);
    t.string('reviewed_at', 40);
    t.string('reason', 40); // a rejection's reason code
    t.boolean('accepted_open').notNullable().defaultTo(false);
    t.string('superseded_by', 100); // the run whose figures moved
    t.string('superseded_at', 40);
    t.integer('version').notNullable().defaultTo(1);
    t.index(['mapping', 'status']);
    t.index(['run_id']);
  });
  await knex.schema.createTable('cutover_signoff_history', (t) => {
    t.increments('id');
    t.integer('signoff_id').notNullable().references('id').inTable('cutover_signoffs').onDelete('CASCADE');
    t.string('at', 40).notNullable();
    t.string('who', 200).notNullable();
    t.string('action', 30).notNullable(); // prepare | auto-prepare | approve | reject | supersede
    t.text('note');
    t.string('reason', 40);
    t.text('detail'); // JSON: per-item notes, the open items accepted, what moved
    t.index(['signoff_id', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('cutover_signoff_history');
  await knex.schema.dropTableIfExists('cutover_signoffs');
}

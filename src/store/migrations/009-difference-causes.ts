import type { Knex } from 'knex';

/**
 * The cause of each explained difference in a narrow table of its own (run, seq, cause, and the
 * difference's kind and key text, which the queue's `--cause` filter matches on), instead of the
 * column `cutover_differences.cause`. Storing a cause in that column rewrote the difference's whole
 * row (its body and queue fields too): ~10 µs a difference, 0.45 s of a run with 100k differences
 * of which 50k explained. A row here is written in ~3 µs, read from the difference by its primary
 * key. What 005 and 008 stored is copied here, and back on a rollback.
 *
 * The column stays, no longer written or read (NULL in every difference stored since: one byte of
 * the row's header): dropping it would make SQLite rebuild the whole table on upgrade, every stored
 * body copied under the store's lock, with twice the table's size on disk meanwhile. Its index goes.
 */
const DIFFERENCE_CAUSES = 'cutover_difference_causes';
const OLD_INDEX = 'cutover_differences_run_id_cause_key_text_index';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable(DIFFERENCE_CAUSES, (t) => {
    t.string('run_id', 100).notNullable().references('id').inTable('cutover_runs').onDelete('CASCADE');
    t.integer('seq').notNullable();
    t.string('cause', 30).notNullable();
    t.string('type', 30).notNullable();
    t.text('key_text').notNullable();
    t.primary(['run_id', 'seq']);
    t.index(['run_id', 'cause', 'key_text']);
  });
  await knex.raw(
    `INSERT INTO ${DIFFERENCE_CAUSES} (run_id, seq, cause, type, key_text)
     SELECT run_id, seq, cause, type, key_text FROM cutover_differences WHERE cause IS NOT NULL`,
  );
  await knex.schema.alterTable('cutover_differences', (t) => {
    t.dropIndex(['run_id', 'cause', 'key_text'], OLD_INDEX);
  });
}

export async function down(knex: Knex): Promise<void> {
  // The column as the table says now: causes stored in it before the upgrade may have been
  // replaced since (a run diagnosed again).
  await knex.raw(`UPDATE cutover_differences SET cause = NULL WHERE cause IS NOT NULL`);
  await knex.raw(
    `UPDATE cutover_differences SET cause = (SELECT c.cause FROM ${DIFFERENCE_CAUSES} c
       WHERE c.run_id = cutover_differences.run_id AND c.seq = cutover_differences.seq)
     WHERE EXISTS (SELECT 1 FROM ${DIFFERENCE_CAUSES} c
       WHERE c.run_id = cutover_differences.run_id AND c.seq = cutover_differences.seq)`,
  );
  await knex.schema.alterTable('cutover_differences', (t) => {
    t.index(['run_id', 'cause', 'key_text'], OLD_INDEX, { predicate: knex.whereNotNull('cause') });
  });
  await knex.schema.dropTableIfExists(DIFFERENCE_CAUSES);
}

import type { Knex } from 'knex';

/**
 * The index of differences by cause covers only the differences a diagnosis explained. Every
 * difference used to enter it as it was stored, with no cause yet and its key text in the run's
 * partition order, not the key's: at 1M differences those scattered inserts into an index past the
 * loader's page cache took most of a run's recording. The queue's `--cause` filter asks for a cause,
 * which implies one, so the partial index serves it as the whole one did.
 */
const COLUMNS = ['run_id', 'cause', 'key_text'];
const NAME = 'cutover_differences_run_id_cause_key_text_index';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cutover_differences', (t) => {
    t.dropIndex(COLUMNS, NAME);
    t.index(COLUMNS, NAME, { predicate: knex.whereNotNull('cause') });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cutover_differences', (t) => {
    t.dropIndex(COLUMNS, NAME);
    t.index(COLUMNS, NAME);
  });
}

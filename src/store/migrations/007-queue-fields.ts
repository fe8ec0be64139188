import type { Knex } from 'knex';

/**
 * What the exception queue needs of each stored difference beside its body, written as the
 * difference is recorded: its key as shown to people, its variance and its size severity. The queue
 * sync then stages a run's differences in one statement instead of reading and parsing every body
 * (NULL on differences recorded before this migration, and on kinds the queue does not hold).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cutover_differences', (t) => {
    t.text('key_json');
    t.string('variance', 60);
    t.string('size_severity', 10);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cutover_differences', (t) => {
    t.dropColumn('size_severity');
    t.dropColumn('variance');
    t.dropColumn('key_json');
  });
}

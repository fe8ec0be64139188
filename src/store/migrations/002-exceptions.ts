import type { Knex } from 'knex';

/** PLACEHOLDER: filled in by the owning module before it lands. */
export async function up(_knex: Knex): Promise<void> {}

export async function down(_knex: Knex): Promise<void> {}

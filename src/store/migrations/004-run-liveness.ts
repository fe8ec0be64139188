import type { Knex } from 'knex';

/**
 * Who is running a run: its process id and a heartbeat (the host is in 001). A command that opens
 * the store marks a `running` run whose process is gone (or whose heartbeat went stale) `interrupted`
 * (see store/run-liveness.ts).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cutover_runs', (t) => {
    t.integer('pid');
    t.string('heartbeat_at', 40);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cutover_runs', (t) => {
    t.dropColumn('pid');
    t.dropColumn('heartbeat_at');
  });
}

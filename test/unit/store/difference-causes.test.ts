/**
 * The cause of each explained difference lives in `cutover_difference_causes` (migration 009), so
 * storing a cause no longer rewrites the difference's row. An upgrade moves the causes stored in
 * `cutover_differences.cause` (migrations 005–008) into the table and a rollback moves them back,
 * partial index included; the queue's `--cause` filter searches the table's index.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS, freshStore } from '../exceptions/fixtures.js';
import { applyFilter } from '../../../src/exceptions/filter.js';
import { migrationSource } from '../../../src/store/migrations/index.js';
import { createRun } from '../../../src/store/runs.js';
import type { ControlStore } from '../../../src/store/control-store.js';

const OLD_INDEX = 'cutover_differences_run_id_cause_key_text_index';
const NEW_INDEX = 'cutover_difference_causes_run_id_cause_key_text_index';
const config = { migrationSource, tableName: 'cutover_migrations' };

async function indexDefinition(store: ControlStore, name: string): Promise<string | undefined> {
  if (store.dialect === 'sqlite')
    return (
      (await store.knex.raw('SELECT sql FROM sqlite_master WHERE name = ?', [name])) as { sql: string }[]
    )[0]?.sql;
  return (
    (await store.knex.raw('SELECT indexdef FROM pg_indexes WHERE indexname = ?', [name])) as {
      rows: { indexdef: string }[];
    }
  ).rows[0]?.indexdef;
}

for (const dialect of DIALECTS) {
  describe(`the causes of differences on ${dialect}`, () => {
    it('are copied from the column into their table on upgrade, and back on a rollback', async () => {
      const { store, dispose } = await freshStore(dialect);
      try {
        await store.knex.migrate.down(config); // back to 008: the cause on each difference
        expect(await store.knex.schema.hasTable('cutover_difference_causes')).toBe(false);
        const runId = await createRun(store, { prefix: 'r', command: 'reconcile', name: 'inv' });
        const causes = ['unit_factor', null, 'sign_flip', null];
        await store.knex('cutover_differences').insert(
          causes.map((cause, i) => ({
            run_id: runId,
            seq: i + 1,
            type: i === 2 ? 'missing_in_cloud' : 'mismatch',
            key_text: `SKU-${i + 1}|S1`,
            body: '{}',
            cause,
          })),
        );

        await store.knex.migrate.latest(config);
        // The column stays, unindexed (dropping it would rebuild the table on SQLite).
        expect(await store.knex.schema.hasColumn('cutover_differences', 'cause')).toBe(true);
        expect(await indexDefinition(store, OLD_INDEX)).toBeUndefined();
        expect(await indexDefinition(store, NEW_INDEX)).toBeDefined();
        expect(
          await store
            .knex('cutover_difference_causes')
            .select('run_id', 'seq', 'cause', 'type', 'key_text')
            .orderBy('seq'),
        ).toEqual([
          { run_id: runId, seq: 1, cause: 'unit_factor', type: 'mismatch', key_text: 'SKU-1|S1' },
          { run_id: runId, seq: 3, cause: 'sign_flip', type: 'missing_in_cloud', key_text: 'SKU-3|S1' },
        ]);

        // The queue's --cause filter: the items whose difference in their last run has the cause.
        const at = '2026-12-01T02:00:00.000Z';
        await store.knex('cutover_exceptions').insert(
          [1, 2, 3].map((i) => ({
            kind: i === 3 ? 'missing_in_cloud' : 'mismatch',
            mapping: 'inv',
            key_text: `SKU-${i}|S1`,
            status: 'open',
            size_severity: 'low',
            first_seen: at,
            last_seen: at,
            updated_at: at,
            last_run_id: runId,
          })),
        );
        const found = async (cause: string[]) =>
          (
            (await applyFilter(store.knex('cutover_exceptions').select('key_text'), {
              cause: cause as never,
            }).orderBy('key_text')) as { key_text: string }[]
          ).map((r) => r.key_text);
        expect(await found(['unit_factor'])).toEqual(['SKU-1|S1']);
        expect(await found(['unit_factor', 'sign_flip'])).toEqual(['SKU-1|S1', 'SKU-3|S1']);
        expect(await found(['rounding'])).toEqual([]);

        // Diagnosed again since the upgrade: seq 1 no longer explained, seq 3 by another cause.
        await store.knex('cutover_difference_causes').where({ run_id: runId, seq: 1 }).delete();
        await store
          .knex('cutover_difference_causes')
          .where({ run_id: runId, seq: 3 })
          .update({ cause: 'rounding' });
        await store.knex.migrate.down(config);
        expect(await store.knex.schema.hasTable('cutover_difference_causes')).toBe(false);
        const back = await store.knex('cutover_differences').select('seq', 'cause').orderBy('seq');
        expect(back.map((r: { cause: string | null }) => r.cause)).toEqual([null, null, 'rounding', null]);
        const bare = async () =>
          (await indexDefinition(store, OLD_INDEX))!.toLowerCase().replace(/[`"()]/g, '');
        expect(await bare()).toMatch(/where cause is not null$/);
        // And a rollback of 008 makes the index whole again.
        await store.knex.migrate.down(config);
        expect(await bare()).not.toContain('where');
      } finally {
        await dispose();
      }
    });
  });
}

describe('the cause filter on SQLite', () => {
  it('searches the causes table by its index', async () => {
    const { store, dispose } = await freshStore('sqlite');
    try {
      const q = applyFilter(store.knex('cutover_exceptions').select('id'), { cause: ['unit_factor'] });
      const { sql, bindings } = q.toSQL();
      const plan = (await store.knex.raw(`EXPLAIN QUERY PLAN ${sql}`, bindings)) as { detail: string }[];
      expect(plan.map((p) => p.detail).join('\n')).toContain(`USING INDEX ${NEW_INDEX}`);
    } finally {
      await dispose();
    }
  });
});

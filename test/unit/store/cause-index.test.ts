/**
 * The index of differences by cause holds only differences a diagnosis explained (migration 008):
 * differences enter it when their cause is stored, not as they are recorded. The queue's `--cause`
 * filter still finds them through it.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS, freshStore } from '../exceptions/fixtures.js';
import { migrationSource } from '../../../src/store/migrations/index.js';

const NAME = 'cutover_differences_run_id_cause_key_text_index';

async function definition(store: Awaited<ReturnType<typeof freshStore>>['store']): Promise<string> {
  if (store.dialect === 'sqlite')
    return (
      (await store.knex.raw('SELECT sql FROM sqlite_master WHERE name = ?', [NAME])) as { sql: string }[]
    )[0]!.sql;
  return (
    (await store.knex.raw('SELECT indexdef FROM pg_indexes WHERE indexname = ?', [NAME])) as {
      rows: { indexdef: string }[];
    }
  ).rows[0]!.indexdef;
}

for (const dialect of DIALECTS) {
  describe(`the cause index on ${dialect}`, () => {
    it('holds only differences with a cause, and a rollback of 008 makes it whole again', async () => {
      const { store, dispose } = await freshStore(dialect);
      try {
        expect((await definition(store)).toLowerCase().replace(/[`"()]/g, '')).toMatch(
          /where cause is not null$/,
        );
        await store.knex.migrate.down({ migrationSource, tableName: 'cutover_migrations' });
        expect((await definition(store)).toLowerCase()).not.toContain('where');
      } finally {
        await dispose();
      }
    });
  });
}

describe('the cause filter on SQLite', () => {
  it('searches the partial index', async () => {
    const { store, dispose } = await freshStore('sqlite');
    try {
      const plan = (await store.knex.raw(
        `EXPLAIN QUERY PLAN SELECT e.id FROM cutover_exceptions e WHERE EXISTS (SELECT d.seq FROM cutover_differences d
           WHERE d.run_id = e.last_run_id AND d.key_text = e.key_text AND d.type = e.kind AND d.cause IN ('unit_factor'))`,
      )) as { detail: string }[];
      expect(plan.map((p) => p.detail).join('\n')).toContain(`USING INDEX ${NAME}`);
    } finally {
      await dispose();
    }
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { describe, it, expect, afterEach } from 'vitest';
import { createTestDatabase } from '../../helpers/pg.js';
import { compensate, compensateGroup, RowChanged } from '../../../src/rollback/compensate.js';
import { ensureRollbackLedger, readMarks } from '../../../src/rollback/rollback-ledger.js';
import type { PlanAction } from '../../../src/rollback/plan-types.js';
import type { TargetDb } from '../../../src/rollback/target-rows.js';

/** An increment on `sku` that took qty from `from` to `to`. */
function undoIncrement(id: string, sku: string, from: string, to: string): PlanAction {
  return {
    seq: 1,
    eventId: id,
    eventType: 'inventory.adjusted',
    eventKey: sku,
    occurredAt: '2026-11-25T22:00:00Z',
    target: 'cloud',
    table: 'bal',
    action: 'increment',
    undo: 'restore 1 row',
    rows: [{ where: { sku }, expect: { sku, qty: to }, restore: { sku, qty: from } }],
    status: 'ok',
    amounts: {},
  };
}

const DIALECTS = ['sqlite', 'postgres'] as const;

for (const dialect of DIALECTS) {
  describe(`compensate on ${dialect}`, () => {
    let knex: Knex | undefined;
    let drop: (() => Promise<void>) | undefined;
    afterEach(async () => {
      await knex?.destroy();
      await drop?.();
      knex = undefined;
      drop = undefined;
    });

    async function target(): Promise<TargetDb> {
      if (dialect === 'sqlite') {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-comp-')), 't.db');
        knex = knexFactory({
          client: 'better-sqlite3',
          connection: { filename: file },
          useNullAsDefault: true,
        });
      } else {
        const t = await createTestDatabase('cutover_comp');
        drop = t.drop;
        knex = knexFactory({ client: 'pg', connection: t.url });
      }
      await knex.schema.createTable('bal', (t) => {
        t.string('sku').primary();
        t.decimal('qty', 18, 3);
      });
      await knex('bal').insert([
        { sku: 'A', qty: '7.000' },
        { sku: 'B', qty: '9.000' },
      ]);
      await ensureRollbackLedger(knex);
      return { name: 'cloud', dialect, knex };
    }

    it('undoes a group with its marks, and never twice', async () => {
      const db = await target();
      const group = [undoIncrement('e1', 'A', '5.000', '7.000'), undoIncrement('e2', 'B', '1.500', '9.000')];
      const out = await compensateGroup(db, group, 'b_1');
      expect([...out.values()].map((o) => o.outcome)).toEqual(['undone', 'undone']);
      const rows = await db.knex('bal').orderBy('sku');
      expect(rows.map((r: { qty: unknown }) => Number(r.qty))).toEqual([5, 1.5]);
      expect([...(await readMarks(db.knex, ['e1', 'e2'])).keys()].sort()).toEqual(['e1', 'e2']);
      // Again: the marks say done, nothing is touched (B is restored to 1.5, not to its before-image twice).
      await db.knex('bal').where({ sku: 'B' }).update({ qty: '1.500' });
      const again = await compensateGroup(db, group, 'b_2');
      expect([...again.values()]).toEqual([
        { outcome: 'already', planId: 'b_1' },
        { outcome: 'already', planId: 'b_1' },
      ]);
    });

    it('a row changed since the check rolls the whole group back, marks included', async () => {
      const db = await target();
      const group = [undoIncrement('e1', 'A', '5.000', '7.000'), undoIncrement('e2', 'B', '1.500', '8.000')];
      await expect(compensateGroup(db, group, 'b_1')).rejects.toBeInstanceOf(RowChanged);
      const rows = await db.knex('bal').orderBy('sku');
      expect(rows.map((r: { qty: unknown }) => Number(r.qty))).toEqual([7, 9]);
      expect((await readMarks(db.knex, ['e1', 'e2'])).size).toBe(0);
      // One at a time, the changed one is reported and the other is undone.
      expect(await compensate(db, group[1]!, 'b_1')).toMatchObject({
        outcome: 'changed',
        reason: expect.stringMatching(/qty is 9(\.000)?, the replay left 8\.000/),
      });
      expect(await compensate(db, group[0]!, 'b_1')).toEqual({ outcome: 'undone' });
    });
  });
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { describe, it, expect, afterEach } from 'vitest';
import { createTestDatabase } from '../../helpers/pg.js';
import { compensate, compensateGroup, RowChanged } from '../../../src/rollback/compensate.js';
import { ensureRollbackLedger, eventStates, ROLLBACK_LEDGER } from '../../../src/rollback/rollback-ledger.js';
import { ensureLedger, LEDGER_TABLE } from '../../../src/replay/ledger.js';
import type { PlanAction } from '../../../src/rollback/plan-types.js';
import type { TargetDb } from '../../../src/rollback/target-rows.js';
import { SqliteWriter } from '../../../src/adapters/sqlite/sqlite-writer.js';
import { PgWriter } from '../../../src/adapters/postgres/pg-writer.js';

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
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-comp-'));
        drop = async () => fs.rmSync(dir, { recursive: true, force: true });
        const file = path.join(dir, 't.db');
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
      const db = dialect === 'sqlite' ? new SqliteWriter(knex) : new PgWriter(knex);
      await ensureRollbackLedger(db);
      await ensureLedger(db);
      for (const id of ['e1', 'e2']) await ledgerRow(knex, id);
      return { name: 'cloud', db, knex };
    }

    /** The replay ledger row of an event of run p_1 (compensation reads only its key). */
    async function ledgerRow(k: Knex, id: string, runId = 'p_1'): Promise<void> {
      await k(LEDGER_TABLE).insert({
        event_id: id,
        run_id: runId,
        seq: 1,
        event_type: 'inventory.adjusted',
        event_key: id,
        occurred_at: '2026-11-25T22:00:00Z',
        action: 'increment',
        table_name: 'bal',
        match_json: '{}',
        before_json: '{}',
        after_json: '{}',
        applied_at: '2026-11-25T22:00:01Z',
        irreversible: false,
      });
    }

    const P1 = { planId: 'b_1', runId: 'p_1' };
    const states = async (db: TargetDb, runId = 'p_1') => {
      const s = await eventStates(db.knex, runId, ['e1', 'e2']);
      return { applied: [...s.applied].sort(), undone: [...s.undone.keys()].sort() };
    };

    it('undoes a group with its marks, takes it out of the replay ledger, and never undoes twice', async () => {
      const db = await target();
      const group = [undoIncrement('e1', 'A', '5.000', '7.000'), undoIncrement('e2', 'B', '1.500', '9.000')];
      const out = await compensateGroup(db, group, P1);
      expect([...out.values()].map((o) => o.outcome)).toEqual(['undone', 'undone']);
      const rows = await db.knex('bal').orderBy('sku');
      expect(rows.map((r: { qty: unknown }) => Number(r.qty))).toEqual([5, 1.5]);
      expect(await states(db)).toEqual({ applied: [], undone: ['e1', 'e2'] });
      expect(Number(((await db.knex(LEDGER_TABLE).count({ n: '*' }).first()) as { n: unknown }).n)).toBe(0);
      // Again, by this plan or another: the ledger says undone, nothing is touched (B is restored to
      // 1.5, not to its before-image twice).
      await db.knex('bal').where({ sku: 'B' }).update({ qty: '1.500' });
      const again = await compensateGroup(db, group, { planId: 'b_2', runId: 'p_1' });
      expect([...again.values()]).toEqual([
        { outcome: 'already', planId: 'b_1' },
        { outcome: 'already', planId: 'b_1' },
      ]);
      const after = await db.knex('bal').orderBy('sku');
      expect(after.map((r: { qty: unknown }) => Number(r.qty))).toEqual([5, 1.5]);
    });

    it('an event replayed again after its rollback is applied again, and a later plan undoes it again', async () => {
      const db = await target();
      const e1 = undoIncrement('e1', 'A', '5.000', '7.000');
      expect(await compensate(db, e1, P1)).toEqual({ outcome: 'undone' });
      // A new replay run applies e1 again: A back to 7, a ledger row under p_2.
      await db.knex('bal').where({ sku: 'A' }).update({ qty: '7.000' });
      await ledgerRow(db.knex, 'e1', 'p_2');
      expect(await states(db, 'p_2')).toEqual({ applied: ['e1'], undone: [] });
      expect(await states(db, 'p_1')).toEqual({ applied: ['e2'], undone: ['e1'] });
      expect(await compensate(db, e1, { planId: 'b_2', runId: 'p_2' })).toEqual({ outcome: 'undone' });
      expect(Number((await db.knex('bal').where({ sku: 'A' }).first()).qty)).toBe(5);
      const marks = (await db.knex(ROLLBACK_LEDGER).orderBy('plan_id')) as {
        run_id: string;
        plan_id: string;
      }[];
      expect(marks.map((m) => [m.run_id, m.plan_id])).toEqual([
        ['p_1', 'b_1'],
        ['p_2', 'b_2'],
      ]);
    });

    it('the same plan applied again after the event was replayed once more undoes it again', async () => {
      const db = await target();
      const e1 = undoIncrement('e1', 'A', '5.000', '7.000');
      expect(await compensate(db, e1, P1)).toEqual({ outcome: 'undone' });
      // `replay --resume p_1` applies e1 again: A back to 7, its ledger row back under p_1.
      await db.knex('bal').where({ sku: 'A' }).update({ qty: '7.000' });
      await ledgerRow(db.knex, 'e1');
      expect(await compensateGroup(db, [e1], P1)).toEqual(new Map([['e1', { outcome: 'undone' }]]));
      expect(Number((await db.knex('bal').where({ sku: 'A' }).first()).qty)).toBe(5);
      expect(await states(db)).toEqual({ applied: ['e2'], undone: ['e1'] });
    });

    it('an event whose replay ledger row is gone with no mark is reported, not undone', async () => {
      const db = await target();
      await db.knex(LEDGER_TABLE).where({ event_id: 'e2' }).del();
      const out = await compensateGroup(
        db,
        [undoIncrement('e1', 'A', '5.000', '7.000'), undoIncrement('e2', 'B', '1.500', '9.000')],
        P1,
      );
      expect(out.get('e1')).toEqual({ outcome: 'undone' });
      expect(out.get('e2')).toMatchObject({ outcome: 'changed', reason: expect.stringMatching(/ledger/) });
      const rows = await db.knex('bal').orderBy('sku');
      expect(rows.map((r: { qty: unknown }) => Number(r.qty))).toEqual([5, 9]);
    });

    it('a row changed since the check rolls the whole group back, marks and ledger included', async () => {
      const db = await target();
      const group = [undoIncrement('e1', 'A', '5.000', '7.000'), undoIncrement('e2', 'B', '1.500', '8.000')];
      await expect(compensateGroup(db, group, P1)).rejects.toBeInstanceOf(RowChanged);
      const rows = await db.knex('bal').orderBy('sku');
      expect(rows.map((r: { qty: unknown }) => Number(r.qty))).toEqual([7, 9]);
      expect(await states(db)).toEqual({ applied: ['e1', 'e2'], undone: [] });
      // One at a time, the changed one is reported and the other is undone.
      expect(await compensate(db, group[1]!, P1)).toMatchObject({
        outcome: 'changed',
        reason: expect.stringMatching(/qty is 9(\.000)?, the replay left 8\.000/),
      });
      expect(await compensate(db, group[0]!, P1)).toEqual({ outcome: 'undone' });
      expect(await states(db)).toEqual({ applied: ['e2'], undone: ['e1'] });
    });
  });
}

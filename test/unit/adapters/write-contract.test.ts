import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isTransientDbError } from '../../../src/adapters/db-errors.js';
import { ensureLedger, LEDGER_SPEC, LEDGER_TABLE } from '../../../src/replay/ledger.js';
import { compensateGroup } from '../../../src/rollback/compensate.js';
import { ensureRollbackLedger, ROLLBACK_LEDGER } from '../../../src/rollback/rollback-ledger.js';
import type { PlanAction } from '../../../src/rollback/plan-types.js';
import {
  act,
  applyAsReplay,
  ledgerRows,
  liveChange,
  RUN,
  tableRows,
  WRITE_DIALECTS,
  type OpenedTarget,
} from './write-targets.js';

/**
 * The write side's contract (WriteDriver), the same cases over every dialect that can be a replay or
 * rollback target: grouped replay with its ledger rows, exactly once, failures of one's own, the
 * atomic upsert, row locks, catalogue reads, and an undo through rollback's compensation.
 */

for (const dialect of WRITE_DIALECTS) {
  describe(`write contract: ${dialect.name}`, () => {
    let t: OpenedTarget;
    beforeAll(async () => {
      t = await dialect.setup();
      await ensureLedger(t.db);
      await ensureRollbackLedger(t.db);
    });
    afterAll(async () => t?.cleanup());

    beforeEach(async () => {
      const k = t.db.knex;
      for (const table of ['bal', 'nokey', 'pair']) await k.schema.dropTableIfExists(table);
      await k.schema.createTable('bal', (c) => {
        c.string('sku', 40).primary();
        c.string('loc', 10);
        c.specificType('qty', dialect.decimal);
      });
      await k.schema.createTable('nokey', (c) => {
        c.string('sku', 40);
        c.specificType('qty', dialect.decimal);
      });
      await k.schema.createTable('pair', (c) => {
        c.string('b', 10).notNullable();
        c.string('a', 10).notNullable();
        c.string('v', 10);
        c.primary(['b', 'a']);
      });
      await k('bal').insert([
        { sku: 'A', loc: 'X', qty: '7.000' },
        { sku: 'B', loc: 'X', qty: '9.000' },
        { sku: 'D', loc: 'X', qty: '1.000' },
      ]);
      await k(LEDGER_TABLE).del();
      await k(ROLLBACK_LEDGER).del();
    });

    const rows = (table = 'bal') => tableRows(t.db, table, 'sku');
    const ledger = () => ledgerRows(t.db);
    const image = (json: string) =>
      (JSON.parse(json) as Record<string, unknown>[]).map((r) =>
        Object.fromEntries(Object.entries(r).map(([c, v]) => [c, v === null ? null : String(v)])),
      );

    it('applies a group of every action with one ledger row each, images exact', async () => {
      const group = [
        act('e1', 'increment', { sku: 'A' }, { qty: '2.5' }),
        act('e2', 'update', { sku: 'B' }, { loc: 'Y' }),
        act('e3', 'upsert', { sku: 'C' }, { loc: 'Z', qty: '3.125' }),
        act('e4', 'upsert', { sku: 'D' }, { qty: '0.001' }),
        act('e5', 'insert', {}, { sku: 'E', loc: 'X', qty: '-4.000' }),
        act('e6', 'delete', { sku: 'B' }, {}, 'nokey'),
      ];
      const out = await t.db.applyGroup(LEDGER_SPEC, group);
      expect(Object.fromEntries(out)).toEqual({
        e1: 'applied',
        e2: 'applied',
        e3: 'applied',
        e4: 'applied',
        e5: 'applied',
        e6: 'applied',
      });
      expect(await rows()).toEqual([
        { sku: 'A', loc: 'X', qty: '9.500' },
        { sku: 'B', loc: 'Y', qty: '9.000' },
        { sku: 'C', loc: 'Z', qty: '3.125' },
        { sku: 'D', loc: 'X', qty: '0.001' },
        { sku: 'E', loc: 'X', qty: '-4.000' },
      ]);
      const l = await ledger();
      expect(l.map((r) => r.event_id)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5', 'e6']);
      const byId = new Map(l.map((r) => [r.event_id, r]));
      expect(image(byId.get('e1')!.before_json)).toEqual([{ sku: 'A', loc: 'X', qty: '7.000' }]);
      expect(image(byId.get('e1')!.after_json)).toEqual([{ sku: 'A', loc: 'X', qty: '9.500' }]);
      expect(image(byId.get('e3')!.before_json)).toEqual([]);
      expect(image(byId.get('e3')!.after_json)).toEqual([{ sku: 'C', loc: 'Z', qty: '3.125' }]);
      expect(image(byId.get('e4')!.before_json)).toEqual([{ sku: 'D', loc: 'X', qty: '1.000' }]);
      expect(image(byId.get('e5')!.after_json)).toEqual([{ sku: 'E', loc: 'X', qty: '-4.000' }]);
      expect(JSON.parse(byId.get('e1')!.match_json)).toEqual({ sku: 'A' });
      expect(byId.get('e6')!.before_json).toBe('[]');
      expect(String(byId.get('e2')!.seq)).toBe('2');
      expect(byId.get('e2')!.run_id).toBe(RUN);
    });

    it('applies a set-sized group of one shape (the engines’ bulk paths) exactly', async () => {
      const group = Array.from({ length: 40 }, (_, n) =>
        act(
          `g${n}`,
          n % 2 ? 'increment' : 'upsert',
          { sku: `S${n >> 1}` },
          { qty: n % 2 ? '0.500' : '1.250' },
        ),
      ).filter((_, n) => n % 2 === 0);
      const inc = Array.from({ length: 20 }, (_, n) =>
        act(`h${n}`, 'increment', { sku: n % 2 ? 'A' : 'B' }, { qty: '1' }),
      );
      expect([...(await t.db.applyGroup(LEDGER_SPEC, group)).values()].every((o) => o === 'applied')).toBe(
        true,
      );
      // Increments of two rows, each alone in its group: exact sums.
      for (const a of inc) expect((await t.db.applyGroup(LEDGER_SPEC, [a])).get(a.id)).toBe('applied');
      const all = await rows();
      expect(all.find((r) => r.sku === 'A')!.qty).toBe('17.000');
      expect(all.find((r) => r.sku === 'B')!.qty).toBe('19.000');
      expect(all.filter((r) => /^S/.test(String(r.sku))).map((r) => r.qty)).toEqual(Array(20).fill('1.250'));
      expect(await ledger()).toHaveLength(40);
    });

    it('applies an event once: a second apply of the same ids is alreadyApplied and changes nothing', async () => {
      const group = [
        act('e1', 'increment', { sku: 'A' }, { qty: '1' }),
        act('e2', 'increment', { sku: 'B' }, { qty: '1' }),
      ];
      await t.db.applyGroup(LEDGER_SPEC, group);
      // A group may skip the ledger check (replay groups only events the ledger did not hold when
      // the run started): then the ledger's key refuses it as a whole, with an error replay retries,
      // and each event alone is found in the ledger.
      const again = await t.db.applyGroup(LEDGER_SPEC, group).then(
        (out) => Object.fromEntries(out),
        (err: unknown) => {
          expect(isTransientDbError(err)).toBe(true);
          return 'refused';
        },
      );
      if (again !== 'refused') expect(again).toEqual({ e1: 'alreadyApplied', e2: 'alreadyApplied' });
      for (const a of group)
        expect((await t.db.applyGroup(LEDGER_SPEC, [a])).get(a.id)).toBe('alreadyApplied');
      expect((await rows()).slice(0, 2).map((r) => r.qty)).toEqual(['8.000', '10.000']);
      expect(await ledger()).toHaveLength(2);
    });

    it('fails an update or increment that finds no row on its own: it changes nothing, its neighbours commit', async () => {
      const out = await t.db.applyGroup(LEDGER_SPEC, [
        act('e1', 'increment', { sku: 'A' }, { qty: '1' }),
        act('e2', 'update', { sku: 'NOPE' }, { loc: 'Q' }),
        act('e3', 'increment', { sku: 'NOPE2' }, { qty: '1' }),
      ]);
      expect(out.get('e1')).toBe('applied');
      expect(out.get('e2')).toEqual({
        failed: 'no row in bal matches {"sku":"NOPE"} (action update needs one)',
      });
      expect(out.get('e3')).toEqual({
        failed: 'no row in bal matches {"sku":"NOPE2"} (action increment needs one)',
      });
      expect((await ledger()).map((r) => r.event_id)).toEqual(['e1']);
      expect((await rows())[0]!.qty).toBe('8.000');
    });

    it('rolls the whole group back when one action raises (a duplicate insert): nothing of it is written', async () => {
      await expect(
        t.db.applyGroup(LEDGER_SPEC, [
          act('e1', 'increment', { sku: 'A' }, { qty: '1' }),
          act('e2', 'insert', {}, { sku: 'B', loc: 'X', qty: '1' }),
        ]),
      ).rejects.toThrow();
      expect(await ledger()).toHaveLength(0);
      expect((await rows())[0]!.qty).toBe('7.000');
    });

    it('upserts atomically: inserts a new row, updates an existing one, and says which', async () => {
      const k = t.db.knex;
      const fresh = await t.db.upsert(k, 'bal', { sku: 'N' }, { loc: 'W', qty: '1.500' });
      expect(fresh.inserted).toBe(true);
      const again = await t.db.upsert(k, 'bal', { sku: 'N' }, { loc: 'V', qty: '2.500' });
      expect(again.inserted).toBe(false);
      expect((await rows()).find((r) => r.sku === 'N')).toEqual({ sku: 'N', loc: 'V', qty: '2.500' });
      // A table whose match is not a key still gets its row.
      expect((await t.db.upsert(k, 'nokey', { sku: 'Z' }, { qty: '1.000' })).inserted).toBe(true);
      expect(await rows('nokey')).toEqual([{ sku: 'Z', qty: '1.000' }]);
    });

    it('upserts one new row from many concurrent groups without a failure, each event once', async () => {
      const events = Array.from({ length: 24 }, (_, n) =>
        act(`u${n}`, 'upsert', { sku: `R${n % 3}` }, { loc: `L${n}` }),
      );
      const outcomes = await Promise.all(
        events.map(async (a) => {
          for (let attempt = 0; ; attempt++) {
            try {
              const r = (await t.db.applyGroup(LEDGER_SPEC, [a])).get(a.id)!;
              if (typeof r === 'object' && 'retry' in r && attempt < 20) continue;
              return r;
            } catch (err) {
              // A deadlock or a busy database is retried by replay; here, the same.
              if (attempt < 20) continue;
              throw err;
            }
          }
        }),
      );
      expect(outcomes.every((o) => o === 'applied')).toBe(true);
      expect((await rows()).filter((r) => /^R/.test(String(r.sku))).map((r) => r.sku)).toEqual([
        'R0',
        'R1',
        'R2',
      ]);
      const l = await ledger();
      expect(l).toHaveLength(24);
      // Exactly one event per row found no row before it (the one that inserted it).
      expect(l.filter((r) => r.before_json === '[]')).toHaveLength(3);
    });

    it('applies to a row another transaction changed meanwhile: the newest row, with its images', async () => {
      // The live ERP changes a row while replay's events wait on its row lock: they must land on
      // its newest version (PostgreSQL re-reads the row; a change that found the locked row again
      // by its old address once lost the increment and still wrote a ledger row).
      const groups = [
        [
          act('e1', 'increment', { sku: 'A' }, { qty: '2' }),
          act('e2', 'increment', { sku: 'B' }, { qty: '1' }),
          act('e3', 'upsert', { sku: 'F' }, { loc: 'Q', qty: '5.000' }),
          act('e4', 'upsert', { sku: 'D' }, { loc: 'Q' }),
        ],
        [act('e5', 'increment', { sku: 'A' }, { qty: '10' })],
        [act('e6', 'update', { sku: 'D' }, { loc: 'R' })],
        [act('e7', 'delete', { sku: 'B' }, {})],
      ];
      for (const [g, group] of groups.entries()) {
        const live = await liveChange(t.db, (trx) =>
          trx('bal')
            .whereIn('sku', ['A', 'B', 'D'])
            .update({ loc: `L${g}` }),
        );
        const applying = applyAsReplay(t.db, group);
        await new Promise((r) => setTimeout(r, 300));
        await live.commit();
        // A group may be refused when its change did not reach a row changed meanwhile (PostgreSQL's
        // set-based path); replay then applies its events one by one.
        const { out } = await applying;
        expect([...out.values()].every((o) => o === 'applied')).toBe(true);
      }
      expect(await rows()).toEqual([
        { sku: 'A', loc: 'L3', qty: '19.000' },
        { sku: 'D', loc: 'L3', qty: '1.000' },
        { sku: 'F', loc: 'Q', qty: '5.000' },
      ]);
      const byId = new Map((await ledger()).map((r) => [r.event_id, r]));
      expect([...byId.keys()]).toEqual(['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7']);
      const images = (id: string) => [image(byId.get(id)!.before_json), image(byId.get(id)!.after_json)];
      expect(images('e1')).toEqual([
        [{ sku: 'A', loc: 'L0', qty: '7.000' }],
        [{ sku: 'A', loc: 'L0', qty: '9.000' }],
      ]);
      expect(images('e2')[1]).toEqual([{ sku: 'B', loc: 'L0', qty: '10.000' }]);
      expect(images('e3')).toEqual([[], [{ sku: 'F', loc: 'Q', qty: '5.000' }]]);
      expect(images('e4')).toEqual([
        [{ sku: 'D', loc: 'L0', qty: '1.000' }],
        [{ sku: 'D', loc: 'Q', qty: '1.000' }],
      ]);
      expect(images('e5')).toEqual([
        [{ sku: 'A', loc: 'L1', qty: '9.000' }],
        [{ sku: 'A', loc: 'L1', qty: '19.000' }],
      ]);
      expect(images('e6')).toEqual([
        [{ sku: 'D', loc: 'L2', qty: '1.000' }],
        [{ sku: 'D', loc: 'R', qty: '1.000' }],
      ]);
      expect(images('e7')).toEqual([[{ sku: 'B', loc: 'L3', qty: '10.000' }], []]);
    });

    it('locks rows: a second transaction’s locked read of the row waits until the first commits', async () => {
      const order: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => (locked = r));
      const first = t.db.transaction(async (trx) => {
        await t.db.lockRows(trx('bal').where({ sku: 'A' }).select('*'));
        locked();
        await held;
        await trx('bal').where({ sku: 'A' }).update({ loc: 'F' });
        order.push('first commits');
      });
      await isLocked;
      const second = t.db.transaction(async (trx) => {
        const [row] = (await t.db.lockRows(trx('bal').where({ sku: 'A' }).select('*'))) as { loc: string }[];
        order.push(`second reads ${row!.loc}`);
      });
      await new Promise((r) => setTimeout(r, 300));
      order.push('released');
      release();
      await Promise.all([first, second]);
      expect(order).toEqual(['released', 'first commits', 'second reads F']);
    });

    it('reads the catalogue: primary key in key order, columns in table order, a missing table', async () => {
      expect(await t.db.primaryKeyOf('bal')).toEqual(['sku']);
      expect(await t.db.primaryKeyOf('pair')).toEqual(['b', 'a']);
      expect(await t.db.primaryKeyOf('nokey')).toEqual([]);
      expect(await t.db.columnsOf('bal')).toEqual(['sku', 'loc', 'qty']);
      expect(await t.db.columnsOf('no_such_table')).toBeUndefined();
    });

    it('keeps ledger keys exact: ids differing only in case or a trailing space are different events', async () => {
      const out = await t.db.applyGroup(LEDGER_SPEC, [
        act('k1', 'increment', { sku: 'A' }, { qty: '1' }),
        act('K1', 'increment', { sku: 'B' }, { qty: '1' }),
        act('k1 ', 'increment', { sku: 'D' }, { qty: '1' }),
      ]);
      expect([...out.values()]).toEqual(['applied', 'applied', 'applied']);
      expect((await ledger()).map((r) => r.event_id).sort()).toEqual(['K1', 'k1', 'k1 ']);
    });

    it('undoes applied events through rollback: rows restored, ledger rows gone, marks written, once', async () => {
      await t.db.applyGroup(LEDGER_SPEC, [
        act('e1', 'increment', { sku: 'A' }, { qty: '2.5' }),
        act('e2', 'upsert', { sku: 'C' }, { loc: 'Z', qty: '1.000' }),
      ]);
      const plan = { planId: 'b_contract', runId: RUN };
      const undo = (eventId: string, rowsToUndo: PlanAction['rows']): PlanAction => ({
        seq: 1,
        eventId,
        eventType: 't',
        eventKey: eventId,
        occurredAt: '2026-11-25T22:00:00Z',
        target: 'target',
        table: 'bal',
        action: 'increment',
        undo: 'restore',
        rows: rowsToUndo,
        status: 'ok',
        amounts: {},
      });
      const target = { name: 'target', db: t.db, knex: t.db.knex };
      const actions = [
        undo('e1', [
          {
            where: { sku: 'A' },
            expect: { sku: 'A', loc: 'X', qty: '9.500' },
            restore: { sku: 'A', loc: 'X', qty: '7.000' },
          },
        ]),
        undo('e2', [{ where: { sku: 'C' }, expect: { sku: 'C', loc: 'Z', qty: '1.000' }, restore: null }]),
      ];
      const out = await compensateGroup(target, actions, plan);
      expect(Object.fromEntries(out)).toEqual({ e1: { outcome: 'undone' }, e2: { outcome: 'undone' } });
      expect(await rows()).toEqual([
        { sku: 'A', loc: 'X', qty: '7.000' },
        { sku: 'B', loc: 'X', qty: '9.000' },
        { sku: 'D', loc: 'X', qty: '1.000' },
      ]);
      expect(await ledger()).toHaveLength(0);
      expect(Number(((await t.db.knex(ROLLBACK_LEDGER).count({ n: '*' })) as { n: unknown }[])[0]!.n)).toBe(
        2,
      );
      const twice = await compensateGroup(target, actions, plan);
      expect(Object.fromEntries(twice)).toEqual({
        e1: { outcome: 'already', planId: 'b_contract' },
        e2: { outcome: 'already', planId: 'b_contract' },
      });
    });
  });
}

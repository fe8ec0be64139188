import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WriteAction } from '../../../src/adapters/types.js';
import { ensureLedger, LEDGER_TABLE } from '../../../src/replay/ledger.js';
import {
  act,
  applyAsReplay,
  ledgerRows,
  liveChange,
  tableRows,
  WRITE_DIALECTS,
  type OpenedTarget,
} from './write-targets.js';

/**
 * PostgreSQL's set-based grouped apply on the shapes only PostgreSQL has: a partitioned target (a
 * row's ctid is an address within its partition) and match values PostgreSQL casts to one key.
 */

const postgres = WRITE_DIALECTS.find((d) => d.name === 'postgres')!;

describe('PostgreSQL grouped apply: partitions and cast keys', () => {
  let t: OpenedTarget;
  beforeAll(async () => {
    t = await postgres.setup();
    await ensureLedger(t.db);
  });
  afterAll(async () => t?.cleanup());

  beforeEach(async () => {
    const k = t.db.knex;
    await k.raw('DROP TABLE IF EXISTS part, ikey');
    await k.raw(
      'CREATE TABLE part (sku text PRIMARY KEY, loc text, qty numeric(18,3)) PARTITION BY LIST (sku)',
    );
    await k.raw(`CREATE TABLE part_a PARTITION OF part FOR VALUES IN ('A')`);
    await k.raw('CREATE TABLE part_rest PARTITION OF part DEFAULT');
    // A at (0,1) of part_a; Z1, Z2 and E at (0,1), (0,2), (0,3) of the default partition.
    await k.raw(`INSERT INTO part VALUES ('A', 'X', 1), ('Z1', 'X', 1), ('Z2', 'X', 1), ('E', 'X', 1)`);
    await k.raw('CREATE TABLE ikey (id integer PRIMARY KEY, loc text)');
    await k(LEDGER_TABLE).del();
  });

  const apply = (group: WriteAction[]) => applyAsReplay(t.db, group);
  /** Until a session of this database waits for a row lock (the group, behind the live change). */
  async function lockWait(): Promise<void> {
    for (const until = Date.now() + 20_000; Date.now() < until;) {
      const r = await t.db.knex.raw(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      if ((r.rows as { n: number }[])[0]!.n > 0) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the group never waited for the row lock');
  }
  const rows = (table: string, key: string) => tableRows(t.db, table, key);
  const ledger = () => ledgerRows(t.db);

  it('changes the locked rows of a partitioned table, in their partitions, even after a concurrent change', async () => {
    const group = [
      act('e1', 'increment', { sku: 'A' }, { qty: '1' }, 'part'),
      act('e2', 'increment', { sku: 'E' }, { qty: '1' }, 'part'),
    ];
    // Another transaction updates A while the group waits for its lock: A moves to (0,2) of part_a,
    // the address Z2 has in the default partition.
    const live = await liveChange(t.db, (trx) => trx('part').where({ sku: 'A' }).update({ loc: 'L' }));
    const applying = apply(group);
    await lockWait();
    await live.commit();
    const { refused, out } = await applying;
    expect(refused).toBe(true);
    expect(Object.fromEntries(out)).toEqual({ e1: 'applied', e2: 'applied' });
    expect(await rows('part', 'sku')).toEqual([
      { sku: 'A', loc: 'L', qty: '2.000' },
      { sku: 'E', loc: 'X', qty: '2.000' },
      { sku: 'Z1', loc: 'X', qty: '1.000' },
      { sku: 'Z2', loc: 'X', qty: '1.000' },
    ]);
    const l = await ledger();
    expect(l.map((r) => JSON.parse(r.after_json) as unknown)).toEqual([
      [{ sku: 'A', loc: 'L', qty: '2.000' }],
      [{ sku: 'E', loc: 'X', qty: '2.000' }],
    ]);
    // Without a race, the group is one statement and changes each row once.
    const again = await apply([
      act('e3', 'increment', { sku: 'A' }, { qty: '1' }, 'part'),
      act('e4', 'increment', { sku: 'Z2' }, { qty: '1' }, 'part'),
    ]);
    expect(again.refused).toBe(false);
    expect((await rows('part', 'sku')).map((r) => r.qty)).toEqual(['3.000', '2.000', '1.000', '2.000']);
  });

  it('applies both of two upserts whose keys differ only as text (5 and 05 on an integer key)', async () => {
    const { refused, out } = await apply([
      act('e1', 'upsert', { id: '5' }, { loc: 'P' }, 'ikey'),
      act('e2', 'upsert', { id: '05' }, { loc: 'Q' }, 'ikey'),
    ]);
    expect(refused).toBe(true);
    expect(Object.fromEntries(out)).toEqual({ e1: 'applied', e2: 'applied' });
    // One inserted the row, the other updated it (before-image: the first one's after-image).
    const l = await ledger();
    expect(l.map((r) => r.before_json).sort()).toEqual([
      '[]',
      l.find((r) => r.before_json === '[]')!.after_json,
    ]);
    expect(await rows('ikey', 'id')).toEqual([{ id: '5', loc: 'Q' }]);
  });
});

import { describe, it, expect } from 'vitest';
import { walkUndo, type ReadCurrent } from '../../../src/rollback/undo-walk.js';
import { dbAction } from '../../../src/rollback/build-actions.js';
import type { LedgerRow } from '../../../src/replay/ledger.js';
import type { PlanAction } from '../../../src/rollback/plan-types.js';

/** A ledger row as replay writes it. */
function ledger(
  seq: number,
  action: string,
  before: object[],
  after: object[],
  irreversible = false,
): LedgerRow {
  return {
    event_id: `e${seq}`,
    run_id: 'p_1',
    seq,
    event_type: 'inventory.adjusted',
    event_key: 'A@S1',
    occurred_at: '2026-11-25T22:00:00Z',
    action,
    table_name: 'inventory_balance',
    match_json: JSON.stringify({ sku: 'A' }),
    before_json: JSON.stringify(before),
    after_json: JSON.stringify(after),
    http_status: null,
    applied_at: '2026-11-25T22:00:01Z',
    irreversible,
    source_line: seq,
  };
}

/** The table as it is now: rows by sku (what the walk reads, standing in for the database). */
function table(rows: Record<string, object>): ReadCurrent {
  return async (_t, _table, where) => {
    const r = rows[String(where.sku)];
    return r ? [r as Record<string, unknown>] : [];
  };
}

const row = (qty: string) => ({ sku: 'A', qty });
const walk = (actions: PlanAction[], now: ReadCurrent) =>
  walkUndo(
    actions.map((action) => ({ action, preset: action.status })),
    now,
  );

describe('dbAction', () => {
  it('pairs before and after images by primary key and says what the undo does', () => {
    const ins = dbAction(ledger(1, 'insert', [], [row('1')]), 'cloud', ['sku']);
    expect(ins.rows).toEqual([{ where: { sku: 'A' }, expect: row('1'), restore: null }]);
    expect(ins.undo).toBe('delete 1 row');
    const del = dbAction(ledger(2, 'delete', [row('1')], []), 'cloud', ['sku']);
    expect(del.rows).toEqual([{ where: { sku: 'A' }, expect: null, restore: row('1') }]);
    expect(del.undo).toBe('re-insert 1 row');
    const upd = dbAction(ledger(3, 'increment', [row('1')], [row('3')]), 'cloud', []);
    expect(upd.rows).toEqual([{ where: { sku: 'A' }, expect: row('3'), restore: row('1') }]);
    expect(dbAction(ledger(4, 'upsert', [], [row('1')], true), 'cloud', ['sku']).status).toBe('manual');
  });
});

describe('walkUndo', () => {
  // Three increments on one row: 1 → 2 → 4 → 7.
  const chain = () => [
    dbAction(ledger(3, 'increment', [row('4')], [row('7')]), 'cloud', ['sku']),
    dbAction(ledger(2, 'increment', [row('2')], [row('4')]), 'cloud', ['sku']),
    dbAction(ledger(1, 'increment', [row('1')], [row('2')]), 'cloud', ['sku']),
  ];

  it('compares only the last after-image with the database; earlier ones chain', async () => {
    const v = await walk(chain(), table({ A: row('7.000') }));
    expect(v.map((x) => x.status)).toEqual(['ok', 'ok', 'ok']);
  });

  it('a row changed after the replay makes the last event a conflict and blocks the earlier ones', async () => {
    const v = await walk(chain(), table({ A: row('8') }));
    expect(v.map((x) => x.status)).toEqual(['conflict', 'conflict', 'conflict']);
    expect(v[0]!.reason).toMatch(/qty is 8, the replay left 7/);
    expect(v[1]!.reason).toMatch(/later event of the run on the same row \(e3\)/);
  });

  it('a row that changed between two events of the run is a conflict from that point back', async () => {
    const actions = chain();
    actions[1] = dbAction(ledger(2, 'increment', [row('2')], [row('5')]), 'cloud', ['sku']); // e3 saw 4, e2 left 5
    const v = await walk(actions, table({ A: row('7') }));
    expect(v.map((x) => x.status)).toEqual(['ok', 'conflict', 'conflict']);
  });

  it('an irreversible event keeps the earlier events on its row for a person too', async () => {
    const actions = chain();
    actions[0] = dbAction(ledger(3, 'increment', [row('4')], [row('7')], true), 'cloud', ['sku']);
    const v = await walk(actions, table({ A: row('7') }));
    expect(v.map((x) => x.status)).toEqual(['manual', 'manual', 'manual']);
  });

  it('a deleted row must still be absent, and an inserted one present', async () => {
    const del = dbAction(ledger(2, 'delete', [row('1')], []), 'cloud', ['sku']);
    const ins = dbAction(ledger(1, 'insert', [], [row('1')]), 'cloud', ['sku']);
    expect((await walk([del, ins], table({}))).map((x) => x.status)).toEqual(['ok', 'ok']);
    const back = await walk([del, ins], table({ A: row('1') }));
    expect(back[0]).toMatchObject({
      status: 'conflict',
      reason: expect.stringMatching(/a row is there now; the replay deleted it/),
    });
  });
});

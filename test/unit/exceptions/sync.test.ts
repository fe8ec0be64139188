import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openReconcileItems, syncReconcileExceptions } from '../../../src/exceptions/sync.js';
import { getHistory, listExceptions, transition } from '../../../src/exceptions/queue.js';
import { DIALECTS, freshStore, inventory, mismatch, missing, storeRun } from './fixtures.js';
import type { ControlStore } from '../../../src/store/control-store.js';

const day = (n: number) => new Date(Date.UTC(2026, 10, 20 + n, 2, 0));

for (const dialect of DIALECTS) {
  describe(`syncReconcileExceptions on ${dialect}`, () => {
    let store: ControlStore;
    let dispose: () => Promise<void>;
    beforeAll(async () => {
      ({ store, dispose } = await freshStore(dialect));
    });
    afterAll(async () => dispose());

    const byKey = async () => {
      const { items } = await listExceptions(store, { now: day(3) });
      return Object.fromEntries(items.map((i) => [`${i.kind}:${(i.key as { sku: string }).sku}`, i]));
    };

    it('opens, updates, resolves and reopens across three nightly runs', async () => {
      const run1 = await storeRun(
        store,
        [
          mismatch('A', '10.000', '5.000', '-5.000'),
          missing('missing_in_cloud', 'B'),
          missing('missing_in_legacy', 'C'),
        ],
        { now: day(0) },
      );
      expect(await syncReconcileExceptions(store, { mapping: inventory, runId: run1, now: day(0) })).toEqual({
        opened: 3,
        updated: 0,
        resolved: 0,
        reopened: 0,
        ignored: 0,
      });

      const run2 = await storeRun(
        store,
        [
          mismatch('A', '10.000', '3.000', '-7.000'),
          missing('missing_in_cloud', 'B'),
          mismatch('D', '1.000', '2.000', '1.000'),
        ],
        { now: day(1) },
      );
      expect(await syncReconcileExceptions(store, { mapping: inventory, runId: run2, now: day(1) })).toEqual({
        opened: 1,
        updated: 2,
        resolved: 1,
        reopened: 0,
        ignored: 0,
      });
      let items = await byKey();
      expect(items['missing_in_legacy:C']!.status).toBe('resolved');
      expect(items['missing_in_legacy:C']!.resolvedByRun).toBe(run2);
      expect(items['mismatch:A']!.occurrences).toBe(2);
      expect(
        (items['mismatch:A']!.details as { fields: { on_hand: { delta: string } } }).fields.on_hand.delta,
      ).toBe('-7.000');
      expect(items['mismatch:A']!.variance).toBe('7.000');

      await transition(store, [items['missing_in_cloud:B']!.id], 'ignore', { user: 'fin', note: 'known' });

      const run3 = await storeRun(
        store,
        [
          missing('missing_in_cloud', 'B'),
          missing('missing_in_legacy', 'C'),
          mismatch('D', '1.000', '2.000', '1.000'),
          mismatch('E', '500.000', '0.000', '-500.000'),
        ],
        { now: day(2) },
      );
      expect(await syncReconcileExceptions(store, { mapping: inventory, runId: run3, now: day(2) })).toEqual({
        opened: 1,
        updated: 1,
        resolved: 1,
        reopened: 1,
        ignored: 1,
      });
      items = await byKey();
      expect(items['missing_in_cloud:B']).toMatchObject({
        status: 'ignored',
        occurrences: 3,
        lastRunId: run3,
      });
      expect(items['mismatch:A']).toMatchObject({ status: 'resolved', resolvedByRun: run3 });
      expect(items['missing_in_legacy:C']).toMatchObject({
        status: 'open',
        occurrences: 2,
        resolvedByRun: null,
      });
      expect(items['mismatch:D']).toMatchObject({ status: 'open', occurrences: 2, severity: 'low' });
      expect(items['mismatch:E']).toMatchObject({ status: 'open', occurrences: 1, severity: 'high' });
      const history = await getHistory(store, items['missing_in_legacy:C']!.id);
      expect(history.map((h) => [h.action, h.fromStatus, h.toStatus, h.runId])).toEqual([
        ['opened', null, 'open', run1],
        ['resolved', 'open', 'resolved', run2],
        ['reopened', 'resolved', 'open', run3],
      ]);
      expect(history[1]!.note).toBe(`not seen in run ${run2}`);
      expect(history[2]!.note).toBe(`seen again in run ${run3}`);
      // D's values did not move on night 3: no 'updated' history entry for it.
      expect((await getHistory(store, items['mismatch:D']!.id)).map((h) => h.action)).toEqual(['opened']);
      // A's did on night 2.
      expect((await getHistory(store, items['mismatch:A']!.id)).map((h) => h.action)).toEqual([
        'opened',
        'updated',
        'resolved',
      ]);

      // The same run again changes nothing.
      expect(await syncReconcileExceptions(store, { mapping: inventory, runId: run3, now: day(2) })).toEqual({
        opened: 0,
        updated: 0,
        resolved: 0,
        reopened: 0,
        ignored: 0,
      });
    });

    it('a partial (windowed) run resolves nothing it did not see', async () => {
      const run = await storeRun(store, [], { now: day(3) });
      const counts = await syncReconcileExceptions(store, {
        mapping: inventory,
        runId: run,
        partial: true,
        now: day(3),
      });
      expect(counts.resolved).toBe(0);
      const open = await listExceptions(store, { status: ['open'], now: day(3) });
      expect(open.total).toBe(3);
      const full = await storeRun(store, [], { now: day(3) });
      expect(
        (await syncReconcileExceptions(store, { mapping: inventory, runId: full, now: day(3) })).resolved,
      ).toBe(3);
    });
    it('a recheck (onlyIds) resolves only the items it read again; openReconcileItems lists their keys', async () => {
      const run = await storeRun(
        store,
        [
          mismatch('P', '1.000', '2.000', '1.000'),
          mismatch('Q', '1.000', '2.000', '1.000'),
          mismatch('R', '1.000', '2.000', '1.000'),
        ],
        { now: day(4) },
      );
      await syncReconcileExceptions(store, { mapping: inventory, runId: run, now: day(4) });
      const open = await openReconcileItems(store, inventory);
      const bySku = Object.fromEntries(open.map((i) => [i.key.sku as string, i]));
      expect(Object.keys(bySku).sort()).toEqual(['P', 'Q', 'R']);
      expect(bySku.P!.key).toEqual({ sku: 'P', location: 'DC-EAST' });

      // The recheck read P and Q: Q still differs, P is fixed; R was not read and stays open.
      const recheck = await storeRun(store, [mismatch('Q', '1.000', '3.000', '2.000')], { now: day(5) });
      const counts = await syncReconcileExceptions(store, {
        mapping: inventory,
        runId: recheck,
        now: day(5),
        onlyIds: [bySku.P!.id, bySku.Q!.id],
      });
      expect(counts).toEqual(expect.objectContaining({ opened: 0, updated: 1, resolved: 1 }));
      const items = await byKey();
      expect(items['mismatch:P']!.status).toBe('resolved');
      expect(items['mismatch:P']!.resolvedByRun).toBe(recheck);
      expect(items['mismatch:Q']!.status).toBe('open');
      expect(items['mismatch:R']!.status).toBe('open');
      expect(items['mismatch:R']!.lastRunId).toBe(run);
    });

    it('opens a night of new differences without searching for their items, and a re-sync takes no ids', async () => {
      const own = await freshStore(dialect);
      try {
        const s = own.store;
        const sync = (runId: string, n: number) =>
          syncReconcileExceptions(s, { mapping: inventory, runId, now: day(n) });
        const ids = async () =>
          Object.fromEntries(
            (await listExceptions(s, { now: day(9) })).items.map((i) => [
              `${i.kind}:${(i.key as { sku: string }).sku}`,
              [i.id, i.status],
            ]),
          );
        const run1 = await storeRun(
          s,
          [mismatch('A', '1.000', '2.000', '1.000'), missing('missing_in_cloud', 'B')],
          {
            now: day(0),
          },
        );
        expect((await sync(run1, 0)).opened).toBe(2);
        const first = await ids();
        // Synced again, twice: its items exist with this run as their last, so nothing is inserted;
        // a row that only conflicted would have taken an id (both stores).
        for (const _ of [1, 2]) expect((await sync(run1, 0)).opened).toBe(0);
        // Every difference new (A and B gone): none seen again, so the new ones are not searched for.
        const run2 = await storeRun(
          s,
          [
            mismatch('C', '1.000', '2.000', '1.000'),
            mismatch('C', '1.000', '5.000', '4.000'),
            missing('missing_in_legacy', 'D'),
          ],
          { now: day(1) },
        );
        expect(await sync(run2, 1)).toEqual({ opened: 2, updated: 0, resolved: 2, reopened: 0, ignored: 0 });
        expect(first).toEqual({
          'mismatch:A': ['X-000001', 'open'],
          'missing_in_cloud:B': ['X-000002', 'open'],
        });
        expect(await ids()).toEqual({
          'mismatch:A': ['X-000001', 'resolved'],
          'missing_in_cloud:B': ['X-000002', 'resolved'],
          'mismatch:C': ['X-000003', 'open'],
          'missing_in_legacy:D': ['X-000004', 'open'],
        });
        // Of two differences of one kind and key, the first is the item's.
        const c = (await listExceptions(s, { now: day(9) })).items.find(
          (i) => i.kind === 'mismatch' && (i.key as { sku: string }).sku === 'C',
        )!;
        expect((c.details as { fields: { on_hand: { delta: string } } }).fields.on_hand.delta).toBe('1.000');
      } finally {
        await own.dispose();
      }
    });
  });
}

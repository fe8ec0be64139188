import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claim,
  getException,
  getHistory,
  listExceptions,
  recordException,
  transition,
} from '../../../src/exceptions/queue.js';
import { UsageError } from '../../../src/errors.js';
import { recordChainFailure } from '../../../src/replay/failures.js';
import type { ControlStore } from '../../../src/store/control-store.js';
import { DIALECTS, freshStore } from './fixtures.js';

const t0 = new Date('2026-11-01T00:00:00Z');
const later = (days: number) => new Date(t0.getTime() + days * 86_400_000);

for (const dialect of DIALECTS) {
  describe(`queue on ${dialect}`, () => {
    let store: ControlStore;
    let dispose: () => Promise<void>;
    beforeAll(async () => {
      ({ store, dispose } = await freshStore(dialect));
    });
    afterAll(async () => dispose());

    it('records a replay failure once per (mapping, key, kind), counting attempts', async () => {
      const base = {
        kind: 'replay_failed' as const,
        mapping: 'events',
        eventType: 'inventory.adjusted',
        key: 'A-100@S1',
      };
      const first = await recordException(store, {
        ...base,
        details: { n: 1 },
        error: 'no row',
        runId: 'p_1',
        now: t0,
      });
      expect(first).toEqual({ id: 'X-000001', created: true });
      const again = await recordException(store, {
        ...base,
        details: { n: 2 },
        error: 'still no row',
        runId: 'p_2',
        now: later(1),
      });
      expect(again).toEqual({ id: 'X-000001', created: false });
      let item = await getException(store, first.id, later(1));
      expect(item).toMatchObject({
        attempts: 2,
        occurrences: 2,
        lastError: 'still no row',
        details: { n: 2 },
        key: 'A-100@S1',
        eventType: 'inventory.adjusted',
        status: 'open',
        severity: 'medium',
      });

      await transition(store, [first.id], 'retry', { user: 'op', now: later(2) });
      await transition(store, [first.id], 'resolve', { user: 'op', runId: 'p_3', now: later(2) });
      expect((await getException(store, first.id)).resolvedByRun).toBe('p_3');
      await recordException(store, { ...base, details: {}, error: 'back', runId: 'p_4', now: later(3) });
      item = await getException(store, first.id, later(3));
      expect(item).toMatchObject({ status: 'open', attempts: 3, resolvedByRun: null });
      await transition(store, [first.id], 'ignore', { user: 'op', now: later(3) });
      await recordException(store, { ...base, details: {}, error: 'again', runId: 'p_5', now: later(4) });
      expect((await getException(store, first.id)).status).toBe('ignored');
      expect((await getHistory(store, first.id)).map((h) => h.action)).toEqual([
        'opened',
        'seen',
        'retry',
        'resolve',
        'reopened',
        'ignore',
        'seen',
      ]);
    });

    it('reopens ignored replay items when another event of the key fails, not when the same one does', async () => {
      const item = (n: number) => ({ text: `{"n":${n}}`, line: n, seq: n });
      const chain = (failedId: string, line: number) => ({
        runId: 'p_9',
        source: 'night.jsonl',
        mappingFile: 'events.yaml',
        key: 'K-9@S1',
        failed: {
          eventId: failedId,
          type: 'inventory.adjusted',
          line,
          seq: line,
          error: 'no row',
          item: item(line),
        },
        parked: [{ eventId: `${failedId}-next`, line: line + 1, seq: line + 1, item: item(line + 1) }],
      });
      const first = await recordChainFailure(store, 'events9', chain('k1', 1));
      expect(first.ids).toHaveLength(2);
      await transition(store, first.ids, 'ignore', { user: 'lead' });
      const status = async () =>
        (await Promise.all(first.ids.map((id) => getException(store, id)))).map((x) => x.status);
      // The same event failing again: what the person ignored stays ignored.
      await recordChainFailure(store, 'events9', chain('k1', 1));
      expect(await status()).toEqual(['ignored', 'ignored']);
      // Another event failing, with new events parked behind it: both items are open work again.
      await recordChainFailure(store, 'events9', chain('k3', 3));
      expect(await status()).toEqual(['open', 'open']);
    });

    it('refuses retry of a reconcile-less kind and unknown ids with UsageError', async () => {
      const c = await recordException(store, {
        kind: 'rollback_conflict',
        mapping: 'events',
        key: 'evt-9',
        details: {},
        runId: 'b_1',
        now: t0,
      });
      await expect(transition(store, [c.id], 'retry', { user: 'op' })).rejects.toThrow(/cannot be retried/);
      await expect(getException(store, 'X-000777')).rejects.toBeInstanceOf(UsageError);
      await expect(transition(store, ['X-000777'], 'resolve', { user: 'op' })).rejects.toThrow(
        /no exception X-000777/,
      );
    });

    it('ages severity and filters by it; claims honour filters', async () => {
      for (let i = 0; i < 4; i++)
        await recordException(store, {
          kind: 'replay_parked',
          mapping: 'orders',
          key: `K${i}`,
          details: {},
          runId: 'p_9',
          now: later(i * 3),
        });
      // parked = low by size; first seen 9, 6, 3, 0 days before day 9
      const at9 = await listExceptions(store, { mapping: ['orders'], now: later(9), sort: 'severity' });
      expect(at9.items.map((i) => [i.key, i.severity])).toEqual([
        ['K0', 'high'],
        ['K1', 'medium'],
        ['K2', 'medium'],
        ['K3', 'low'],
      ]);
      expect(
        (await listExceptions(store, { mapping: ['orders'], severity: ['medium'], now: later(9) })).total,
      ).toBe(2);
      expect(
        (await listExceptions(store, { mapping: ['orders'], olderThanMs: 5 * 86_400_000, now: later(9) }))
          .total,
      ).toBe(2);
      const got = await claim(store, {
        user: 'w',
        assignee: 'w',
        limit: 10,
        filter: { mapping: ['orders'], keyContains: 'k3' },
      });
      expect(got.ids).toHaveLength(1);
      expect((await getException(store, got.ids[0]!)).key).toBe('K3');
    });
  });
}

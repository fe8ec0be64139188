// Certification on the control store, on every dialect the store runs on (migration 006 included):
// prepare, segregation of duties, approve, reject and prepare again, superseding, autoPrepare.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ControlStore } from '../../../src/store/control-store.js';
import { finishRun, listRuns } from '../../../src/store/runs.js';
import { UsageError } from '../../../src/errors.js';
import { prepareSignoff, reviewSignoff, AUTO_PREPARER } from '../../../src/signoff/workflow.js';
import { certifyAfterRun } from '../../../src/signoff/after-run.js';
import { listCertifications } from '../../../src/signoff/list.js';
import type { ReconcileSummary } from '../../../src/reconcilers/types.js';
import { DIALECTS, freshStore, storeRun } from '../exceptions/fixtures.js';

/** A recorded inventory run whose materiality is judged on `absDifference` against amount 5. */
async function recordRun(
  store: ControlStore,
  absDifference: string,
  minute: number,
): Promise<ReconcileSummary> {
  const now = new Date(Date.UTC(2026, 10, 26, 2, minute));
  const runId = await storeRun(store, [], { now });
  const summary = {
    runId,
    name: 'inventory',
    status: absDifference === '0' ? 'clean' : 'differences',
    counts: {
      legacy: 3,
      cloud: 3,
      matched: 2,
      mismatched: 1,
      missingInCloud: 0,
      missingInLegacy: 0,
      duplicateKeys: 0,
    },
    fieldMismatches: {},
    totals: [],
    materiality: { amount: '5', absDifference, material: Number(absDifference) > 5 },
    startedAt: now.toISOString(),
    finishedAt: now.toISOString(),
    durationMs: 0,
    systems: {} as ReconcileSummary['systems'],
  } as ReconcileSummary;
  await finishRun(store, runId, summary.status, summary);
  return summary;
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UsageError);
  return (err as UsageError).message;
}

for (const dialect of DIALECTS) {
  describe(`certification on ${dialect}`, () => {
    let store: ControlStore;
    let dispose: () => Promise<void>;
    beforeEach(async () => {
      ({ store, dispose } = await freshStore(dialect));
    });
    afterEach(async () => dispose());

    it('prepare, the preparer refused as reviewer, another approves; the history is appended', async () => {
      const run = await recordRun(store, '1.000', 0);
      const prep = await prepareSignoff(store, { runId: run.runId, note: 'ok', user: 'alice' });
      expect(prep.signoff).toMatchObject({
        status: 'prepared',
        preparer: 'alice',
        acceptedOpen: false,
        version: 1,
      });
      expect(await refusal(prepareSignoff(store, { runId: run.runId, note: 'again', user: 'bob' }))).toMatch(
        /already prepared by alice/,
      );
      expect(
        await refusal(reviewSignoff(store, 'approve', { runId: run.runId, note: 'x', user: 'Alice' })),
      ).toMatch(/Segregation of duties: alice prepared run/);
      const ok = await reviewSignoff(store, 'approve', { runId: run.runId, note: 'checked', user: 'bob' });
      expect(ok.signoff).toMatchObject({ status: 'approved', reviewer: 'bob' });
      const { items } = await listCertifications(store);
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ status: 'approved', preparer: 'alice', reviewer: 'bob', version: 2 });
      expect(items[0]!.history.map((h) => [h.who, h.action, h.note])).toEqual([
        ['alice', 'prepare', 'ok'],
        ['bob', 'approve', 'checked'],
      ]);
      expect((await listRuns(store)).find((r) => r.id === run.runId)?.signoff).toBe('approved');
    });

    it('reject with a reason; prepared again as a new certification', async () => {
      const run = await recordRun(store, '1.000', 0);
      await prepareSignoff(store, { runId: run.runId, note: 'ok', user: 'alice' });
      expect(
        await refusal(
          reviewSignoff(store, 'reject', { runId: run.runId, note: 'x', reason: 'bad', user: 'bob' }),
        ),
      ).toMatch(/not a rejection reason/);
      await reviewSignoff(store, 'reject', {
        runId: run.runId,
        note: 'fix it',
        reason: 'figures-wrong',
        user: 'bob',
      });
      await prepareSignoff(store, { runId: run.runId, note: 'fixed', user: 'alice' });
      const { items } = await listCertifications(store);
      expect(items.map((i) => [i.status, i.reason])).toEqual([
        ['prepared', null],
        ['rejected', 'figures-wrong'],
      ]);
    });

    it('a later run that moved beyond materiality supersedes; autoPrepare prepares an immaterial run', async () => {
      const run1 = await recordRun(store, '1.000', 0);
      await prepareSignoff(store, { runId: run1.runId, note: 'ok', user: 'alice' });
      await reviewSignoff(store, 'approve', { runId: run1.runId, note: 'ok', user: 'bob' });

      // 1 → 4.5 moves 3.5, within the amount 5 (and 4.5 is within materiality): it stands.
      const run2 = await recordRun(store, '4.5', 1);
      expect(await certifyAfterRun(store, run2)).toMatchObject({
        latest: { runId: run1.runId, status: 'approved' },
        superseded: [],
      });

      const run3 = await recordRun(store, '6.000', 2);
      const after = await certifyAfterRun(store, run3);
      expect(after).toMatchObject({
        latest: { runId: run1.runId, status: 'superseded', supersededBy: run3.runId },
        superseded: [run1.runId],
      });
      const [item] = (await listCertifications(store, { status: 'superseded' })).items;
      expect(item!.history.at(-1)).toMatchObject({ action: 'supersede' });
      expect(await refusal(prepareSignoff(store, { runId: run1.runId, note: 'x', user: 'alice' }))).toMatch(
        /already superseded by run/,
      );
      // run2 (never prepared) is out of date now: run3 moved beyond materiality.
      expect(await refusal(prepareSignoff(store, { runId: run2.runId, note: 'x', user: 'alice' }))).toMatch(
        /out of date/,
      );

      const run4 = await recordRun(store, '0.5', 3);
      const auto = await certifyAfterRun(store, run4, { autoPrepare: 'immaterial' });
      expect(auto?.latest).toMatchObject({ runId: run4.runId, status: 'prepared', preparer: AUTO_PREPARER });
      await reviewSignoff(store, 'approve', { runId: run4.runId, note: 'ok', user: 'alice' });
      expect((await listRuns(store)).map((r) => [r.id, r.signoff])).toEqual([
        [run4.runId, 'approved'],
        [run3.runId, null],
        [run2.runId, null],
        [run1.runId, 'superseded'],
      ]);
    });
  });
}

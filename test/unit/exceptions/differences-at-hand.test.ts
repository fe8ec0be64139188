/**
 * The queue sync and the diagnosis read a run's differences whole from its differences.jsonl when
 * they fit in memory (DifferenceWriter.readsWhole), else from the control store, and a large run's
 * diagnosis runs on a thread of its own (diagnoseOnThread, reading the file), and the sync stages
 * the queue fields stored with each difference as it was recorded (queueFields), as reconcile
 * records them, or from the bodies of differences stored without them (by an earlier cutover): every
 * way must give the same queue, the same causes and the same cause on every stored difference.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DifferenceWriter } from '../../../src/app/difference-writer.js';
import { diagnoseRun } from '../../../src/diagnosis/cause-store.js';
import { diagnoseOnThread } from '../../../src/diagnosis/diagnose-thread.js';
import { queueFields, syncReconcileExceptions } from '../../../src/exceptions/sync.js';
import type { Difference } from '../../../src/reconcilers/types.js';
import { createRun } from '../../../src/store/runs.js';
import { openControlStore } from '../../../src/store/control-store.js';
import { migrationSource } from '../../../src/store/migrations/index.js';
import { encodeKey } from '../../../src/reconcilers/key.js';
import { differencesFromFile, streamDifferences } from '../../../src/store/differences.js';
import type { ControlStore } from '../../../src/store/control-store.js';
import { DIALECTS, freshStore, inventory, mismatch, missing } from './fixtures.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-at-hand-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const now = new Date(Date.UTC(2026, 10, 20, 2, 0));

/** A run with two systematic faults (a unit factor of 1000, sign flips) and some noise. */
function differences(): Difference[] {
  const out: Difference[] = [];
  for (let i = 1; i <= 60; i++)
    out.push(mismatch(`S${i}`, `${i}.000`, `${i * 1000}.000`, `${i * 1000 - i}.000`));
  for (let i = 1; i <= 20; i++) out.push(mismatch(`F${i}`, `${i}.500`, `-${i}.500`, `-${2 * i + 1}.000`));
  for (let i = 0; i < 15; i++) out.push(missing('missing_in_cloud', `M${i}`, `${i}.500`));
  for (let i = 0; i < 5; i++) out.push(missing('missing_in_legacy', `L${i}`));
  out.push(mismatch('Z"ë', '1.000', '700.000', '699.000'));
  // Values holding line breaks: JSON escapes them, so each difference stays one line of the file.
  out.push(mismatch('N\nL\r\u2028', '2.000', '3.000', '1.000'));
  // A key held twice on both sides: two differences of one kind and key, one item (the first's details).
  const key = { sku: 'D1', location: 'DC-EAST' };
  const row = { ...key, on_hand: '1.000', status: 'sellable' };
  out.push({ type: 'duplicate_key', key, side: 'legacy', count: 2, legacy: row });
  out.push({ type: 'duplicate_key', key, side: 'cloud', count: 3, cloud: row });
  return out;
}

/** Writes the run as reconcile does, syncs the queue and diagnoses it; what it left in the store. */
async function runThrough(
  store: ControlStore,
  how: 'store' | 'memory' | 'thread' | 'recorded' | 'gone' | 'streamed',
  keepBytes?: number,
) {
  const fromMemory = how !== 'store';
  const runId = await createRun(store, { prefix: 'r', command: 'reconcile', name: inventory.name, now });
  const file = path.join(tmp, `${runId}-${fromMemory}-${Math.random()}.jsonl`);
  // 'recorded': each difference's queue fields stored with it, as reconcile records them; the other
  // ways store none (as a cutover before the store's migration 007 did), and the sync reads bodies.
  const writer = new DifferenceWriter(store, runId, inventory.key, file, {
    ...(keepBytes !== undefined ? { keepBytes } : {}),
    ...(how === 'recorded' ? { queueFieldsOf: (d: Difference) => queueFields(d, inventory) } : {}),
  });
  for (const d of differences()) await writer.write(d);
  await writer.finish();
  const whole = writer.readsWhole;
  const withFields = Number(
    (
      await store
        .knex('cutover_differences')
        .where('run_id', runId)
        .whereNotNull('size_severity')
        .count({ n: '*' })
    )[0]!.n,
  );
  expect(withFields).toBe(how === 'recorded' ? differences().length : 0);
  // 'gone': the file removed before it is read back (a clean-up job): the thread fails to read it
  // and the diagnosis falls back to the store, as reconcile wires it.
  if (how === 'gone') fs.rmSync(writer.file);
  // 'streamed': the thread reads the file a megabyte at a time on each pass, as for a run whose
  // differences do not fit in memory.
  const onThread = how === 'thread' || how === 'gone' || how === 'streamed';
  const thread = onThread
    ? diagnoseOnThread({ runId, file: writer.file, whole: how !== 'streamed' && whole })
    : undefined;
  if (onThread) expect(thread).toBeDefined();
  // Not done before the thread has even started; done (diagnosed, or failed) once awaited.
  if (thread) expect(thread.done).toBe(false);
  const at =
    fromMemory && whole ? differencesFromFile(writer.file, () => streamDifferences(store, runId)) : undefined;
  const synced = await syncReconcileExceptions(store, {
    mapping: inventory,
    runId,
    now,
    // Said only of a run whose differences all have them, as reconcile says it.
    ...(how === 'recorded' ? { fieldsRecorded: true } : {}),
  });
  const diagnosis = await diagnoseRun(store, runId, {
    ...(at ? { differences: at } : {}),
    ...(thread ? { diagnosed: thread.result } : {}),
  });
  if (thread) expect(thread.done).toBe(true);
  // Diagnosed again (`cutover diagnose RUN`): the causes replaced, not added to.
  if (how === 'store') await diagnoseRun(store, runId);
  const items = await store
    .knex('cutover_exceptions')
    .select('kind', 'key_text', 'key_json', 'details', 'status', 'size_severity', 'variance', 'occurrences')
    .orderBy(['kind', 'key_text']);
  const causes = await store
    .knex('cutover_difference_causes')
    .select('seq', 'cause', 'type', 'key_text')
    .where('run_id', runId)
    .orderBy('seq');
  return {
    kept: whole,
    synced,
    diagnosis,
    items,
    causes: causes.map((c) => [c.seq, c.cause, c.type, c.key_text]),
  };
}

for (const dialect of DIALECTS) {
  describe(`differences at hand on ${dialect}`, () => {
    it('sync and diagnosis give the same from memory, on a thread and from the store', async () => {
      const results = [];
      for (const how of ['memory', 'thread', 'store', 'recorded', 'gone', 'streamed'] as const) {
        const { store, dispose } = await freshStore(dialect);
        try {
          results.push(await runThrough(store, how));
        } finally {
          await dispose();
        }
      }
      const [memory, thread, stored, recorded, gone, streamed] = results;
      expect(memory!.kept).toBe(true);
      expect(memory!.synced.opened).toBe(differences().length - 1);
      const dup = memory!.items.find((i) => i.kind === 'duplicate_key');
      expect(JSON.parse(dup.details as string)).toEqual(
        expect.objectContaining({ side: 'legacy', count: 2 }),
      );
      expect(memory!.diagnosis.causes.length).toBeGreaterThan(0);
      // Each cause's differences stored with it, with their kind and key text as recorded.
      const storedOf = (kind: string) => memory!.causes.filter(([, c]) => c === kind).length;
      for (const c of memory!.diagnosis.causes)
        expect(storedOf(c.kind)).toBe(
          memory!.diagnosis.causes.filter((o) => o.kind === c.kind).reduce((n, o) => n + o.count, 0),
        );
      expect(memory!.causes.length).toBeGreaterThan(0);
      for (const [seq, , type, keyText] of memory!.causes) {
        const d = differences()[(seq as number) - 1]!;
        expect([type, keyText]).toEqual([d.type, encodeKey(d.key, inventory.key)]);
      }
      expect(memory).toEqual(stored);
      expect(thread).toEqual(stored);
      expect(recorded).toEqual(stored);
      expect(gone).toEqual(stored);
      expect(streamed).toEqual(stored);
    });

    it('syncs a run recorded before migration 007, after the store is upgraded, as one recorded since', async () => {
      const old = await freshStore(dialect);
      const now007 = await freshStore(dialect);
      let upgraded: ControlStore | undefined;
      try {
        // A store as a cutover before migration 007 left it, with a run's differences stored then.
        const config = { migrationSource, tableName: 'cutover_migrations' };
        // Back to 006: 009 (the causes table), 008 (the partial cause index), 007 (the queue fields).
        await old.store.knex.migrate.down(config);
        await old.store.knex.migrate.down(config);
        await old.store.knex.migrate.down(config);
        expect(await old.store.knex.schema.hasColumn('cutover_differences', 'size_severity')).toBe(false);
        const runId = await createRun(old.store, {
          prefix: 'r',
          command: 'reconcile',
          name: inventory.name,
          now,
        });
        await old.store.knex('cutover_differences').insert(
          differences().map((d, i) => ({
            run_id: runId,
            seq: i + 1,
            type: d.type,
            key_text: encodeKey(d.key, inventory.key),
            body: JSON.stringify(d),
          })),
        );
        await old.store.close();
        upgraded = await openControlStore(old.url);
        expect(await upgraded.knex.schema.hasColumn('cutover_differences', 'size_severity')).toBe(true);
        const synced = await syncReconcileExceptions(upgraded, { mapping: inventory, runId, now });
        const recorded = await runThrough(now007.store, 'recorded');
        expect(synced).toEqual(recorded.synced);
        const items = await upgraded
          .knex('cutover_exceptions')
          .select(
            'kind',
            'key_text',
            'key_json',
            'details',
            'status',
            'size_severity',
            'variance',
            'occurrences',
          )
          .orderBy(['kind', 'key_text']);
        expect(items).toEqual(recorded.items);
      } finally {
        await upgraded?.close();
        await old.dispose();
        await now007.dispose();
      }
    });

    it('keeps nothing at hand past its limit (the store is read then)', async () => {
      const { store, dispose } = await freshStore(dialect);
      try {
        const r = await runThrough(store, 'recorded', 2000);
        expect(r.kept).toBe(false);
        expect(r.synced.opened).toBe(differences().length - 1);
        expect(r.diagnosis.causes.length).toBeGreaterThan(0);
      } finally {
        await dispose();
      }
    });
  });
}

/**
 * A run with a batch of differences or more stores them through the store's bulk loader where it
 * has one (SQLite: a thread with its own connection): the rows must be exactly those the store's
 * own connection writes (insertDifferences, on a store without a loader), in order, all of them
 * stored when the writer finishes; a batch that fails fails the run's recording, and the thread
 * stops either way.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DifferenceWriter } from '../../../src/app/difference-writer.js';
import type { Difference } from '../../../src/reconcilers/types.js';
import { openControlStore, type ControlStore } from '../../../src/store/control-store.js';
import { DIFFERENCE_COLUMNS, DIFFERENCES_TABLE } from '../../../src/store/differences.js';
import { createRun } from '../../../src/store/runs.js';
import { DIALECTS, freshStore, inventory, mismatch, missing } from '../exceptions/fixtures.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-loader-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const now = new Date(Date.UTC(2026, 11, 3, 2, 0));

/** 12,345 differences: two full batches of 5,000 and a last, short one. */
function differences(): Difference[] {
  const out: Difference[] = [];
  for (let i = 1; i <= 12_345; i++)
    out.push(
      i % 3
        ? mismatch(`S${i}`, `${i}.000`, `${i}.000`, `${i + 1}.000`)
        : missing('missing_in_cloud', `M${i}`, '1.500'),
    );
  return out;
}

/** Records the run as reconcile does; the rows it left in cutover_differences. */
async function record(store: ControlStore, threads = true) {
  const runId = await createRun(store, { prefix: 'r', command: 'reconcile', name: inventory.name, now });
  const file = path.join(tmp, `${Math.random()}.jsonl`);
  const writer = new DifferenceWriter(store, runId, inventory.key, file, { threads });
  for (const d of differences()) await writer.write(d);
  await writer.finish();
  const rows = (await store
    .knex(DIFFERENCES_TABLE)
    .select('seq', 'type', 'key_text', 'body')
    .where('run_id', runId)
    .orderBy('seq')) as { seq: number | string }[];
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}

describe('the store bulk loader', () => {
  it('a SQLite file store has one; an in-memory one has none', async () => {
    const { store, dispose } = await freshStore('sqlite');
    const memory = await openControlStore('sqlite::memory:');
    try {
      const loader = store.db.bulkLoader?.(DIFFERENCES_TABLE, DIFFERENCE_COLUMNS);
      // Under vitest the built worker is used: `npm run build` first.
      expect(loader).toBeDefined();
      await loader!.finish();
      expect(memory.db.bulkLoader?.(DIFFERENCES_TABLE, DIFFERENCE_COLUMNS)).toBeUndefined();
    } finally {
      await memory.close();
      await dispose();
    }
  });

  it('stores the same rows, in order, as the store connection itself', async () => {
    const results = [];
    for (const make of [
      () => freshStore('sqlite'),
      async () => {
        const store = await openControlStore('sqlite::memory:');
        return { store, dispose: () => store.close() };
      },
      ...(DIALECTS.includes('postgres') ? [() => freshStore('postgres')] : []),
    ]) {
      const { store, dispose } = await make();
      try {
        results.push(await record(store));
      } finally {
        await dispose();
      }
    }
    // Threads off (CUTOVER_THREADS=0): a file store's rows are inserted here, and its loader not even asked for.
    const { store, dispose } = await freshStore('sqlite');
    try {
      store.db.bulkLoader = () => {
        throw new Error('the loader was asked for with threads off');
      };
      results.push(await record(store, false));
    } finally {
      await dispose();
    }
    expect(results[0]).toHaveLength(12_345);
    expect(results[0]!.map((r) => r.seq)).toEqual(Array.from({ length: 12_345 }, (_, i) => i + 1));
    for (const other of results.slice(1)) expect(other).toEqual(results[0]);
  });

  it('differences.jsonl holds each difference once, in seq order, as the store does, wide rows too', async () => {
    // The file is written a megabyte of lines at a time, also part-way through a batch of the store's.
    const { store, dispose } = await freshStore('sqlite');
    try {
      const runId = await createRun(store, { prefix: 'r', command: 'reconcile', name: inventory.name, now });
      const file = path.join(tmp, `${Math.random()}.jsonl`);
      const writer = new DifferenceWriter(store, runId, inventory.key, file);
      const all = differences();
      for (let i = 0; i < all.length; i += 997) {
        const wide = mismatch(`W${i}`, '1.000', '1.000', '2.000');
        wide.fields.status = { legacy: 'x'.repeat(300_000), cloud: `y\n${'z'.repeat(i)}` };
        all.splice(i, 0, wide);
      }
      for (const d of all) await writer.write(d);
      await writer.finish();
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      expect(lines.pop()).toBe('');
      expect(lines).toEqual(all.map((d) => JSON.stringify(d)));
      const bodies = await store.knex(DIFFERENCES_TABLE).where('run_id', runId).orderBy('seq').pluck('body');
      expect(bodies).toEqual(lines);
    } finally {
      await dispose();
    }
  });

  it('a batch that fails fails the recording, and the thread stops', async () => {
    const { store, dispose } = await freshStore('sqlite');
    try {
      const runId = await createRun(store, { prefix: 'r', command: 'reconcile', name: inventory.name, now });
      const loader = store.db.bulkLoader!(DIFFERENCES_TABLE, DIFFERENCE_COLUMNS)!;
      const row = (seq: number) => [runId, seq, 'mismatch', `["S${seq}"]`, '{}', null, null, null];
      await loader.add([row(1), row(2)]);
      // The same primary key again: the second batch is refused, nothing of it stored.
      await loader.add([row(3), row(2)]).catch(() => undefined);
      await expect(loader.finish()).rejects.toThrow(/UNIQUE constraint failed/);
      const seqs = await store.knex(DIFFERENCES_TABLE).where('run_id', runId).orderBy('seq').pluck('seq');
      expect(seqs.map(Number)).toEqual([1, 2]);
      // A batch for a run that is not there: the store's foreign key holds on the loader's connection.
      const other = store.db.bulkLoader!(DIFFERENCES_TABLE, DIFFERENCE_COLUMNS)!;
      await other.add([['r_no_such_run', 1, 'mismatch', '["S1"]', '{}', null, null, null]]);
      await expect(other.finish()).rejects.toThrow(/FOREIGN KEY constraint failed/);
    } finally {
      await dispose();
    }
  });

  it('abort stops at once and drops what waits', async () => {
    const { store, dispose } = await freshStore('sqlite');
    try {
      const runId = await createRun(store, { prefix: 'r', command: 'reconcile', name: inventory.name, now });
      const loader = store.db.bulkLoader!(DIFFERENCES_TABLE, DIFFERENCE_COLUMNS)!;
      const rows = Array.from({ length: 5000 }, (_, i) => [
        runId,
        i + 1,
        'mismatch',
        `["S${i}"]`,
        '{}',
        null,
        null,
        null,
      ]);
      void loader.add(rows).catch(() => undefined);
      await loader.abort();
      // Whatever the thread committed before it stopped is whole: one batch, or nothing.
      const n = Number((await store.knex(DIFFERENCES_TABLE).where('run_id', runId).count({ n: '*' }))[0]!.n);
      expect([0, 5000]).toContain(n);
    } finally {
      await dispose();
    }
  });
});

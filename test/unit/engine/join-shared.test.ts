/**
 * The join on two threads (`joinShared`) with a join thread that answers late: this thread joins
 * partitions ahead of the one it waits for, yet the differences, the counts and the order of the
 * mismatches by field (what the summary lists first) are the ones one thread gives.
 */
import { describe, expect, it } from 'vitest';
import { compilePlan, joinShared, joinSource, zeroCounts } from '../../../src/reconcilers/compare.js';
import { lineEncoder } from '../../../src/reconcilers/held-row.js';
import type { JoinResult, JoinThread } from '../../../src/reconcilers/join-thread.js';
import { PartitionReader, type PartitionSource } from '../../../src/reconcilers/partition-store.js';
import type { CanonicalRow, Difference } from '../../../src/reconcilers/types.js';
import { makeMapping } from './helpers.js';

const mapping = makeMapping(
  { code: { type: 'string' }, qty: { type: 'decimal', scale: 2 }, note: { type: 'string' } },
  ['code'],
);
const plan = compilePlan(mapping);
const encode = lineEncoder(mapping);
const options = { memoryBytes: 64 << 20, partitionBytes: 16 << 20, partitions: 12 };

const held = (rows: CanonicalRow[]) => Buffer.from(rows.map((r) => `${encode(r)[1]}\n`).join(''));

/** `n` partitions (12 by default): the first differs on qty only, the later ones on note only, the second not at all. */
function partitions(n = 12): PartitionSource[] {
  return Array.from({ length: n }, (_, p) => {
    const code = `K${p}`;
    const legacy = { code, qty: '1.00', note: 'a' };
    const cloud = p === 0 ? { ...legacy, qty: '2.00' } : p === 1 ? legacy : { ...legacy, note: `b${p}` };
    return { legacy: held([legacy]), cloud: held([cloud]) };
  });
}

/** A join thread that joins here, after `ms`: the main thread gets ahead of it meanwhile. */
function lateThread(ms: number): JoinThread {
  const reader = new PartitionReader(options);
  return {
    join: (source) =>
      new Promise<JoinResult>((resolve) =>
        setTimeout(() => {
          const counts = zeroCounts();
          const fieldMismatches: Record<string, number> = {};
          const diffs = [...joinSource(plan, reader, source, counts, fieldMismatches)];
          resolve({ diffs, counts, fieldMismatches });
        }, ms),
      ),
    stop: async () => undefined,
  };
}

describe('joinShared', () => {
  it('gives what one thread gives, in order, whichever thread joined each partition', async () => {
    const reader = new PartitionReader(options);
    const want = {
      counts: zeroCounts(),
      fieldMismatches: {} as Record<string, number>,
      diffs: [] as Difference[],
    };
    for (const s of partitions())
      want.diffs.push(...joinSource(plan, reader, s, want.counts, want.fieldMismatches));
    expect(Object.keys(want.fieldMismatches)).toEqual(['qty', 'note']);

    const counts = zeroCounts();
    const fieldMismatches: Record<string, number> = {};
    const diffs: Difference[] = [];
    const gen = joinShared(
      plan,
      reader,
      partitions()[Symbol.iterator](),
      lateThread(30),
      counts,
      fieldMismatches,
    );
    let r = await gen.next();
    for (; !r.done; r = await gen.next()) diffs.push(r.value);
    // This thread joined partitions past the first two while the late thread held them.
    expect(r.value.here).toBeGreaterThan(0);
    expect(r.value.here + r.value.thread).toBe(12);
    expect(diffs).toEqual(want.diffs);
    expect(counts).toEqual(want.counts);
    expect(Object.keys(fieldMismatches)).toEqual(['qty', 'note']);
    expect(fieldMismatches).toEqual(want.fieldMismatches);
  });

  it('hands the join thread its next partition as it returns one, not when the consumer asks again', async () => {
    const reader = new PartitionReader(options);
    const pending: (() => void)[] = [];
    let handed = 0;
    // A join thread whose replies come when the test says.
    const manual: JoinThread = {
      join: (source) => {
        handed++;
        return new Promise<JoinResult>((resolve) =>
          pending.push(() => {
            const counts = zeroCounts();
            const fieldMismatches: Record<string, number> = {};
            const diffs = [...joinSource(plan, reader, source, counts, fieldMismatches)];
            resolve({ diffs, counts, fieldMismatches });
          }),
        );
      },
      stop: async () => undefined,
    };
    // More partitions than may wait to be yielded.
    const gen = joinShared(plan, reader, partitions(40)[Symbol.iterator](), manual, zeroCounts(), {});
    const first = gen.next();
    // This thread joins partitions ahead while the first two are on the join thread, until as many
    // wait as are allowed; then it waits for the first.
    for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(handed).toBe(2);
    pending.shift()!();
    expect((await first).done).toBe(false);
    // The consumer holds the first difference (recording it): the join thread already has another.
    expect(handed).toBe(3);
    await gen.return({ here: 0, thread: 0 });
    // Closed: a reply that comes later hands out nothing more.
    for (const reply of pending.splice(0)) reply();
    for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(handed).toBe(3);
  });

  it('passes on what handing out a partition from a reply threw, where the run sees it', async () => {
    const reader = new PartitionReader(options);
    const pending: (() => void)[] = [];
    const manual: JoinThread = {
      join: (source) =>
        new Promise<JoinResult>((resolve) =>
          pending.push(() => {
            const counts = zeroCounts();
            const fieldMismatches: Record<string, number> = {};
            resolve({
              diffs: [...joinSource(plan, reader, source, counts, fieldMismatches)],
              counts,
              fieldMismatches,
            });
          }),
        ),
      stop: async () => undefined,
    };
    // Partition 17 cannot be read: the first this thread asks for as the join thread's reply comes.
    const all = partitions(40);
    let asked = 0;
    const sources: Iterator<PartitionSource> = {
      next: () => {
        if (++asked === 17) throw new Error('spill file gone');
        const value = all[asked - 1];
        return value ? { value, done: false } : { value: undefined, done: true };
      },
    };
    const gen = joinShared(plan, reader, sources, manual, zeroCounts(), {});
    const consumed = (async () => {
      for await (const d of gen) void d;
    })();
    for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(asked).toBe(16);
    pending.shift()!();
    await expect(consumed).rejects.toThrow('spill file gone');
    expect(asked).toBe(17);
  });

  it("passes the join thread's failure on", async () => {
    const failing: JoinThread = {
      join: () => Promise.reject(new Error('thread gone')),
      stop: async () => undefined,
    };
    const gen = joinShared(
      plan,
      new PartitionReader(options),
      partitions()[Symbol.iterator](),
      failing,
      zeroCounts(),
      {},
    );
    await expect(
      (async () => {
        for await (const d of gen) void d;
      })(),
    ).rejects.toThrow('thread gone');
  });
});

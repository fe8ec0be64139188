import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CanonicalRow } from '../../../src/reconcilers/types.js';
import { compareStreams } from '../../../src/reconcilers/compare.js';
import { asMismatch, batches, makeMapping, runCompare, sortDiffs } from './helpers.js';

const inv = makeMapping(
  {
    sku: { type: 'string' },
    location: { type: 'string' },
    on_hand: { type: 'decimal', scale: 3 },
    unit_cost: { type: 'decimal', scale: 4, tolerance: '0.005' },
    status: { type: 'string' },
    updated_at: { type: 'timestamp', compare: false },
  },
  ['sku', 'location'],
);
const row = (
  sku: string | null,
  location: string | null,
  on_hand: string | null,
  extra: Partial<CanonicalRow> = {},
) => ({
  sku,
  location,
  on_hand,
  unit_cost: '1.0000',
  status: 'sellable',
  updated_at: '2026-11-25T00:00:00.000Z',
  ...extra,
});

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'engine-test-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

for (const forceSpill of [false, true]) {
  describe(`compareStreams (${forceSpill ? 'spilled' : 'in memory'})`, () => {
    const run = (m: typeof inv, l: CanonicalRow[], c: CanonicalRow[]) =>
      runCompare(m, l, c, { forceSpill, tmpDir: tmp });

    it('classifies match, mismatch, missing on each side, with counts', async () => {
      const { diffs, stats } = await run(
        inv,
        [
          row('A', 'X', '1.000'),
          row('B', 'X', '2.000'),
          row('C', 'X', '3.000'),
          row('E', 'X', '5.000', { status: 'quarantine' }),
        ],
        [row('A', 'X', '1.000'), row('B', 'X', '2.500'), row('D', 'X', '4.000'), row('E', 'X', '5.000')],
      );
      expect(stats.spilled).toBe(forceSpill);
      expect(stats.counts).toEqual({
        legacy: 4,
        cloud: 4,
        matched: 1,
        mismatched: 2,
        missingInCloud: 1,
        missingInLegacy: 1,
        duplicateKeys: 0,
      });
      expect(stats.fieldMismatches).toEqual({ on_hand: 1, status: 1 });
      const byKey = Object.fromEntries(diffs.map((d) => [d.key.sku, d]));
      expect(byKey.B).toMatchObject({
        type: 'mismatch',
        key: { sku: 'B', location: 'X' },
        fields: { on_hand: { legacy: '2.000', cloud: '2.500', delta: '0.500' } },
        legacy: row('B', 'X', '2.000'),
        cloud: row('B', 'X', '2.500'),
      });
      expect(byKey.E!.fields).toEqual({ status: { legacy: 'quarantine', cloud: 'sellable' } });
      expect(byKey.C).toEqual({
        type: 'missing_in_cloud',
        key: { sku: 'C', location: 'X' },
        legacy: row('C', 'X', '3.000'),
      });
      expect(byKey.D).toEqual({
        type: 'missing_in_legacy',
        key: { sku: 'D', location: 'X' },
        cloud: row('D', 'X', '4.000'),
      });
      expect(fs.readdirSync(tmp)).toEqual([]); // spill files removed
    });

    it('encodes composite keys unambiguously: (1,"11") is not (11,"1")', async () => {
      const { diffs, stats } = await run(inv, [row('1', '11', '1.000')], [row('11', '1', '1.000')]);
      expect(stats.counts.matched).toBe(0);
      expect(sortDiffs(diffs).map((d) => d.type)).toEqual(['missing_in_cloud', 'missing_in_legacy']);
    });

    it('reports a NULL key part as missing on the other side, never joins it, and NULL is not ""', async () => {
      const { diffs, stats } = await run(
        inv,
        [row('A', null, '1.000'), row('B', '', '1.000')],
        [row('A', null, '1.000'), row('B', null, '1.000')],
      );
      expect(stats.counts).toMatchObject({
        matched: 0,
        missingInCloud: 2,
        missingInLegacy: 2,
        duplicateKeys: 0,
      });
      expect(diffs.filter((d) => d.type === 'missing_in_cloud').map((d) => d.key)).toContainEqual({
        sku: 'A',
        location: null,
      });
      expect(diffs.filter((d) => d.type === 'missing_in_cloud').map((d) => d.key)).toContainEqual({
        sku: 'B',
        location: '',
      });
    });

    it('reports a duplicated key once per side with its count, not as match or mismatch', async () => {
      const { diffs, stats } = await run(
        inv,
        [
          row('A', 'X', '1.000'),
          row('A', 'X', '9.000'),
          row('A', 'X', '1.000'),
          row('B', 'X', '1.000'),
          row('C', 'X', '1.000'),
        ],
        [
          row('A', 'X', '1.000'),
          row('B', 'X', '1.000'),
          row('B', 'X', '1.000'),
          row('C', 'X', '1.000'),
          row('D', 'X', '0.000'),
          row('D', 'X', '0.000'),
        ],
      );
      expect(stats.counts).toEqual({
        legacy: 5,
        cloud: 6,
        matched: 1,
        mismatched: 0,
        missingInCloud: 0,
        missingInLegacy: 0,
        duplicateKeys: 3,
      });
      expect(sortDiffs(diffs)).toEqual([
        {
          type: 'duplicate_key',
          key: { sku: 'A', location: 'X' },
          side: 'legacy',
          count: 3,
          legacy: row('A', 'X', '1.000'),
        },
        {
          type: 'duplicate_key',
          key: { sku: 'B', location: 'X' },
          side: 'cloud',
          count: 2,
          cloud: row('B', 'X', '1.000'),
        },
        {
          type: 'duplicate_key',
          key: { sku: 'D', location: 'X' },
          side: 'cloud',
          count: 2,
          cloud: row('D', 'X', '0.000'),
        },
      ]);
    });

    it('applies absolute tolerance at its boundary, exactly', async () => {
      const { diffs, stats } = await run(
        inv,
        [row('A', 'X', '1.000', { unit_cost: '1.0000' }), row('B', 'X', '1.000', { unit_cost: '1.0000' })],
        [row('A', 'X', '1.000', { unit_cost: '1.0050' }), row('B', 'X', '1.000', { unit_cost: '0.9949' })],
      );
      expect(stats.counts.matched).toBe(1);
      expect(diffs).toHaveLength(1);
      expect(asMismatch(diffs[0]).fields).toEqual({
        unit_cost: { legacy: '1.0000', cloud: '0.9949', delta: '-0.0051' },
      });
    });

    it('applies relative tolerance and big integers exactly', async () => {
      const m = makeMapping(
        {
          id: { type: 'integer' },
          amt: { type: 'decimal', scale: 2, relativeTolerance: '0.001' },
          big: { type: 'integer' },
        },
        ['id'],
      );
      const { diffs } = await run(
        m,
        [
          { id: '1', amt: '1000.00', big: '9007199254740993' },
          { id: '2', amt: '1000.00', big: '1' },
          { id: '3', amt: '-0.00', big: '1' },
        ],
        [
          { id: '1', amt: '1001.00', big: '9007199254740992' },
          { id: '2', amt: '1001.01', big: '1' },
          { id: '3', amt: '0.00', big: '1' },
        ],
      );
      expect(sortDiffs(diffs).map((d) => asMismatch(d).fields)).toEqual([
        { big: { legacy: '9007199254740993', cloud: '9007199254740992', delta: '-1' } },
        { amt: { legacy: '1000.00', cloud: '1001.01', delta: '1.01' } },
      ]);
    });

    it('compares decimals without a scale at the larger scale of the two', async () => {
      const m = makeMapping({ id: { type: 'string' }, q: { type: 'decimal', tolerance: '0.01' } }, ['id']);
      const { diffs } = await run(
        m,
        [
          { id: 'a', q: '10.5' },
          { id: 'b', q: '3' },
        ],
        [
          { id: 'a', q: '10.509' },
          { id: 'b', q: '3.02' },
        ],
      );
      expect(diffs.map((d) => asMismatch(d).fields)).toEqual([
        { q: { legacy: '3', cloud: '3.02', delta: '0.02' } },
      ]);
    });

    it('applies timestamp tolerance and reports the delta in ms; compare:false fields are carried only', async () => {
      const m = makeMapping(
        {
          id: { type: 'string' },
          t: { type: 'timestamp', tolerance: '1s' },
          u: { type: 'timestamp', compare: false },
        },
        ['id'],
      );
      const { diffs, stats } = await run(
        m,
        [
          { id: 'a', t: '2026-11-25T14:03:11.000Z', u: '2026-01-01T00:00:00.000Z' },
          { id: 'b', t: '2026-11-25T14:03:11.000Z', u: null },
        ],
        [
          { id: 'a', t: '2026-11-25T14:03:12.000Z', u: '2027-01-01T00:00:00.000Z' },
          { id: 'b', t: '2026-11-25T14:03:09.500Z', u: null },
        ],
      );
      expect(stats.counts.matched).toBe(1);
      expect(diffs).toHaveLength(1);
      expect(asMismatch(diffs[0]).fields).toEqual({
        t: { legacy: '2026-11-25T14:03:11.000Z', cloud: '2026-11-25T14:03:09.500Z', delta: '-1500' },
      });
      expect(asMismatch(diffs[0]).legacy).toEqual({ id: 'b', t: '2026-11-25T14:03:11.000Z', u: null });
    });

    it('treats NULL against a value as a mismatch with a null delta', async () => {
      const { diffs } = await run(inv, [row('A', 'X', null)], [row('A', 'X', '0.000')]);
      expect(asMismatch(diffs[0]).fields).toEqual({ on_hand: { legacy: null, cloud: '0.000', delta: null } });
    });

    it('absentAsZero: a one-sided key whose listed fields are zero or null is a match', async () => {
      const m = { ...inv, absentAsZero: ['on_hand'] };
      const { diffs, stats } = await run(
        m,
        [row('A', 'X', '0.000'), row('B', 'X', '1.000'), row('C', 'X', null)],
        [row('D', 'X', '0.000'), row('E', 'X', '-0.001')],
      );
      expect(stats.counts).toMatchObject({ matched: 3, missingInCloud: 1, missingInLegacy: 1 });
      expect(sortDiffs(diffs).map((d) => d.key.sku)).toEqual(['B', 'E']);
    });
  });
}

describe('compareStreams at scale', () => {
  it('spills past a small budget with the same result as in memory, and removes its files', async () => {
    const m = makeMapping(
      { id: { type: 'string' }, v: { type: 'decimal', scale: 2 }, pad: { type: 'string' } },
      ['id'],
    );
    const pad = 'x'.repeat(200);
    const legacy: CanonicalRow[] = [];
    const cloud: CanonicalRow[] = [];
    // ~11 MB of held lines: under the 16 MB a run holds at most before spilling.
    for (let i = 0; i < 25_000; i++) {
      legacy.push({ id: `k${i}`, v: `${i}.00`, pad });
      if (i % 97 !== 0) cloud.push({ id: `k${i}`, v: i % 89 === 0 ? `${i}.01` : `${i}.00`, pad });
    }
    const a = await runCompare(m, legacy, cloud, { memoryMb: 4, tmpDir: tmp });
    const b = await runCompare(m, legacy, cloud, { memoryMb: 512, tmpDir: tmp });
    expect(a.stats.spilled).toBe(true);
    expect(b.stats.spilled).toBe(false);
    expect(a.stats.counts).toEqual(b.stats.counts);
    expect(sortDiffs(a.diffs)).toEqual(sortDiffs(b.diffs));
    expect(a.stats.counts.missingInCloud).toBe(Math.ceil(25_000 / 97));
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('spills past 16 MB held, whatever the budget', async () => {
    const m = makeMapping({ id: { type: 'string' }, pad: { type: 'string' } }, ['id']);
    const pad = 'z'.repeat(400);
    // ~19 MB of held lines, a twentieth of a 4 GB budget's share for rows.
    const legacy: CanonicalRow[] = [];
    for (let i = 0; i < 22_000; i++) legacy.push({ id: `k${i}`, pad });
    const cloud = legacy.filter((_, i) => i % 101 !== 0);
    const big = await runCompare(m, legacy, cloud, { memoryMb: 4096, tmpDir: tmp });
    const half = legacy.slice(0, 11_000);
    const small = await runCompare(m, half, half, { memoryMb: 4096, tmpDir: tmp });
    expect(big.stats.spilled).toBe(true);
    expect(small.stats.spilled).toBe(false);
    expect(big.stats.counts).toMatchObject({
      matched: 22_000 - 218,
      missingInCloud: 218,
      missingInLegacy: 0,
    });
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('splits an oversized partition again, down to a key that cannot be split, with the same result', async () => {
    const m = makeMapping({ id: { type: 'string' }, pad: { type: 'string' } }, ['id']);
    const pad = 'y'.repeat(300);
    const legacy: CanonicalRow[] = [];
    for (let i = 0; i < 12_000; i++) legacy.push({ id: i % 3 === 0 ? 'same' : `k${i}`, pad });
    const cloud = legacy.filter((r) => r.id !== 'same').slice(1);
    const a = await runCompare(m, legacy, cloud, { memoryMb: 1, tmpDir: tmp });
    const b = await runCompare(m, legacy, cloud, { tmpDir: tmp });
    expect(a.stats.spilled).toBe(true);
    expect(sortDiffs(a.diffs)).toEqual(sortDiffs(b.diffs));
    expect(a.stats.counts).toEqual({
      legacy: 12_000,
      cloud: 7_999,
      matched: 7_999,
      mismatched: 0,
      missingInCloud: 1,
      missingInLegacy: 0,
      duplicateKeys: 1,
    });
    expect(a.diffs.find((d) => d.type === 'duplicate_key')).toMatchObject({
      key: { id: 'same' },
      count: 4_000,
    });
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('removes spill files when the consumer stops early', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => row(`S${i}`, 'X', '1.000'));
    const gen = compareStreams(inv, batches(rows), batches([]), { forceSpill: true, tmpDir: tmp });
    expect((await gen.next()).value).toMatchObject({ type: 'missing_in_cloud' });
    expect(fs.readdirSync(tmp)).toHaveLength(1);
    await gen.return(undefined as never);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('removes spill files when a side fails, and reports that failure', async () => {
    async function* failing(): AsyncGenerator<CanonicalRow[]> {
      yield* batches([row('A', 'X', '1.000')]);
      throw new Error('connection reset');
    }
    const gen = compareStreams(inv, failing(), batches([row('A', 'X', '1.000')]), {
      forceSpill: true,
      tmpDir: tmp,
    });
    await expect(gen.next()).rejects.toThrow('connection reset');
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('reads both sides concurrently', async () => {
    const order: string[] = [];
    async function* side(name: string): AsyncGenerator<CanonicalRow[]> {
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 5));
        order.push(name);
        yield [row(`${name}${i}`, 'X', '1.000')];
      }
    }
    const progress: number[] = [];
    const gen = compareStreams(inv, side('l'), side('c'), {
      onProgress: (p) => progress.push(p.legacyRows + p.cloudRows),
    });
    while (!(await gen.next()).done);
    expect(order.slice(0, 2).sort()).toEqual(['c', 'l']);
    expect(progress.at(-1)).toBe(6);
  });
});

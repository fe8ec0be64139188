/**
 * The join on bytes (line-table.ts): lines found in a partition's buffer, keys held as offsets in a
 * hash table. It must pair exactly the rows a Map of key strings pairs, in the order a Map keeps,
 * whatever the bytes: multibyte and escaped keys, keys that are prefixes of each other, duplicates,
 * NULL key parts, a table that grows many times, keys whose hashes collide in the table.
 */
import { describe, expect, it } from 'vitest';
import { compilePlan, joinSource, zeroCounts } from '../../../src/reconcilers/compare.js';
import { lineEncoder } from '../../../src/reconcilers/held-row.js';
import { LineTable, lineAt, scanLine } from '../../../src/reconcilers/line-table.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PartitionReader, PartitionStore } from '../../../src/reconcilers/partition-store.js';
import type { CanonicalRow, Difference } from '../../../src/reconcilers/types.js';
import { makeMapping } from './helpers.js';

const mapping = makeMapping(
  {
    code: { type: 'string' },
    bin: { type: 'string' },
    qty: { type: 'decimal', scale: 2 },
    note: { type: 'string', compare: false },
  },
  ['code', 'bin'],
);
const plan = compilePlan(mapping);
const encode = lineEncoder(mapping);
const held = (rows: CanonicalRow[]) => Buffer.from(rows.map((r) => `${encode(r)[1]}\n`).join(''));

/** Every line of a buffer, scanned. */
function scanAll(buf: Buffer) {
  const at = lineAt();
  const out: { key: string; cmp: string; line: string; isNull: boolean }[] = [];
  for (let i = 0; i < buf.length; i = at.end + 1) {
    const isNull = scanLine(buf, i, at);
    out.push({
      key: buf.toString('utf8', at.keyStart, at.keyEnd),
      cmp: buf.toString('utf8', at.keyEnd, at.cmpEnd),
      line: buf.toString('utf8', at.start, at.end),
      isNull,
    });
  }
  return out;
}

describe('scanLine', () => {
  it('finds the key, the compared values and the end of each line, multibyte and escaped text included', () => {
    const rows: CanonicalRow[] = [
      { code: 'A', bin: 'b1', qty: '1.00', note: 'x' },
      { code: 'Ünïcødé 日本 🙂', bin: 'tab\there', qty: '-2.50', note: 'line\nbreak "quoted" \\' },
      { code: null, bin: 'b2', qty: null, note: null },
    ];
    const buf = held(rows);
    const lines = scanAll(buf);
    expect(lines.map((l) => l.line)).toEqual(buf.toString('utf8').split('\n').slice(0, -1));
    expect(lines.map((l) => l.key)).toEqual(rows.map((r) => encode(r)[0]));
    expect(lines.map((l) => l.cmp)).toEqual(['\t["1.00"]', '\t["-2.50"]', '\t[null]']);
    expect(lines.map((l) => l.isNull)).toEqual([false, false, true]);
  });
});

describe('LineTable', () => {
  it('finds every key it holds and none it does not, across many growths, by bytes not by length', () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => ({
      code: `K${i}`,
      bin: 'é',
      qty: '1.00',
      note: '',
    }));
    const buf = held(rows);
    const table = new LineTable(buf, 1);
    const at = lineAt();
    for (let i = 0; i < buf.length; i = at.end + 1) {
      scanLine(buf, i, at);
      expect(table.find(buf, at)).toBe(-1);
      table.add(at);
    }
    expect(table.size).toBe(20_000);
    // The same keys in another buffer (other lines around them) are found, in insertion order.
    const again = held([...rows].reverse().map((r) => ({ ...r, qty: '9.99', note: 'other' })));
    const found: number[] = [];
    for (let i = 0; i < again.length; i = at.end + 1) {
      scanLine(again, i, at);
      found.push(table.find(again, at));
    }
    expect(found).toEqual(Array.from({ length: 20_000 }, (_, i) => 19_999 - i));
    // Same length, other bytes; a prefix; a longer key: not there.
    const absent = held([
      { code: 'K1', bin: 'e', qty: null, note: null },
      { code: 'K1', bin: 'ée', qty: null, note: null },
      { code: 'K', bin: 'é', qty: null, note: null },
      { code: 'K99999', bin: 'é', qty: null, note: null },
    ]);
    for (let i = 0; i < absent.length; i = at.end + 1) {
      scanLine(absent, i, at);
      expect(table.find(absent, at)).toBe(-1);
    }
  });

  it('tells keys apart whose hashes are equal (a full-table probe compares the bytes)', () => {
    const buf = held([
      { code: 'a', bin: '', qty: null, note: null },
      { code: 'b', bin: '', qty: null, note: null },
    ]);
    const at = lineAt();
    const table = new LineTable(buf, 1);
    scanLine(buf, 0, at);
    const first = { ...at, hash: 7 };
    table.add(first);
    scanLine(buf, at.end + 1, at);
    const second = { ...at, hash: 7 };
    expect(table.find(buf, second)).toBe(-1);
    expect(table.add(second)).toBe(1);
    expect(table.find(buf, second)).toBe(1);
    expect(table.find(buf, first)).toBe(0);
  });

  it('taken again after release, holds nothing of its last partition, whatever room it needs', () => {
    const at = lineAt();
    const fill = (t: LineTable, buf: Buffer) => {
      for (let i = 0; i < buf.length; i = at.end + 1) {
        scanLine(buf, i, at);
        t.tally(at);
      }
    };
    const first = held(
      Array.from({ length: 3_000 }, (_, i) => ({ code: `K${i}`, bin: 'b', qty: '1.00', note: '' })),
    );
    const t1 = LineTable.take(first, 4096);
    fill(t1, first);
    // A line of the other side with each key: every entry's otherCount is 1.
    for (let i = 0; i < first.length; i = at.end + 1) {
      scanLine(first, i, at);
      t1.addOther(t1.find(first, at), at);
    }
    t1.release();
    expect(t1.buf.length).toBe(0);
    // The same table, for fewer keys, then for more than it has room for.
    for (const n of [10, 9_000]) {
      const buf = held(
        Array.from({ length: n }, (_, i) => ({ code: `K${i}`, bin: 'c', qty: '2.00', note: '' })),
      );
      // The second asks for more room than the spare has: it grows before it is used.
      const t = LineTable.take(buf, n);
      expect(t).toBe(t1);
      expect(t.size).toBe(0);
      scanLine(first, 0, at);
      expect(t.find(first, at)).toBe(-1);
      fill(t, buf);
      expect(t.size).toBe(n);
      expect(Array.from(t.otherCount.subarray(0, n))).toEqual(new Array<number>(n).fill(0));
      expect(Array.from(t.count.subarray(0, n))).toEqual(new Array<number>(n).fill(1));
      t.release();
    }
  });
});

/** What a Map of key strings gives for one partition: each difference's type, key, side and count, in order. */
function reference(legacy: CanonicalRow[], cloud: CanonicalRow[]): string[] {
  const out: string[] = [];
  const keyOf = (r: CanonicalRow) => encode(r)[0];
  const isNull = (r: CanonicalRow) => r.code === null || r.bin === null;
  const L = new Map<string, { row: CanonicalRow; count: number; cloud?: CanonicalRow; cloudCount: number }>();
  const C = new Map<string, { row: CanonicalRow; count: number }>();
  for (const r of legacy)
    if (isNull(r)) out.push(`missing_in_cloud ${keyOf(r)}`);
    else if (L.has(keyOf(r))) L.get(keyOf(r))!.count++;
    else L.set(keyOf(r), { row: r, count: 1, cloudCount: 0 });
  for (const r of cloud) {
    if (isNull(r)) {
      out.push(`missing_in_legacy ${keyOf(r)}`);
      continue;
    }
    const l = L.get(keyOf(r));
    if (l) {
      if (l.cloudCount++ === 0) l.cloud = r;
    } else if (C.has(keyOf(r))) C.get(keyOf(r))!.count++;
    else C.set(keyOf(r), { row: r, count: 1 });
  }
  for (const [k, l] of L)
    if (l.count > 1 || l.cloudCount > 1) {
      if (l.count > 1) out.push(`duplicate_key ${k} legacy ${l.count}`);
      if (l.cloudCount > 1) out.push(`duplicate_key ${k} cloud ${l.cloudCount} ${l.cloud!.note}`);
    } else if (l.cloudCount === 0) out.push(`missing_in_cloud ${k}`);
    else if (l.row.qty !== l.cloud!.qty) out.push(`mismatch ${k} ${l.row.qty}/${l.cloud!.qty}`);
  for (const [k, c] of C)
    out.push(c.count > 1 ? `duplicate_key ${k} cloud ${c.count} ${c.row.note}` : `missing_in_legacy ${k}`);
  return out;
}

function shown(d: Difference): string {
  const k = encode(d.key as CanonicalRow)[0];
  if (d.type === 'duplicate_key')
    return `duplicate_key ${k} ${d.side} ${d.count}${d.side === 'cloud' ? ` ${d.cloud!.note}` : ''}`;
  if (d.type === 'mismatch') return `mismatch ${k} ${d.fields.qty!.legacy}/${d.fields.qty!.cloud}`;
  return `${d.type} ${k}`;
}

describe('the join on bytes', () => {
  it('gives the differences a Map of key strings gives, in the same order', () => {
    // A seeded generator: the same rows every run.
    let seed = 42;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    const codes = ['A', 'AB', 'é', 'e\u0301', '日本', '🙂', 'q"uote', 'back\\slash', 'K1', 'K10'];
    const pick = (): CanonicalRow => ({
      code: rand(40) === 0 ? null : `${codes[rand(codes.length)]}${rand(300)}`,
      bin: rand(3) === 0 ? 'ü' : 'b',
      qty: rand(8) === 0 ? null : `${rand(4)}.${rand(2)}0`,
      note: `n${rand(1000)}`,
    });
    const legacy = Array.from({ length: 3000 }, pick);
    const cloud = Array.from({ length: 3000 }, pick);
    const counts = zeroCounts();
    const got = [
      ...joinSource(
        plan,
        new PartitionReader({ memoryBytes: 1 << 20, partitionBytes: 1 << 20, partitions: 1 }),
        { legacy: new Uint8Array(held(legacy)), cloud: new Uint8Array(held(cloud)) },
        counts,
        {},
      ),
    ].map(shown);
    const want = reference(legacy, cloud);
    expect(want.length).toBeGreaterThan(1000);
    expect(want.some((w) => w.startsWith('duplicate_key'))).toBe(true);
    expect(want.some((w) => w.startsWith('mismatch'))).toBe(true);
    expect(got).toEqual(want);
    const rowsJoined = counts.matched + counts.mismatched + counts.missingInCloud + counts.missingInLegacy;
    expect(rowsJoined + counts.duplicateKeys).toBeLessThanOrEqual(legacy.length + cloud.length);
    expect(counts.mismatched).toBe(want.filter((w) => w.startsWith('mismatch')).length);
  });
});

describe('the spill files', () => {
  it('give each partition back its own bytes; a file cut short is an error of the environment', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spill-test-'));
    try {
      const options = { memoryBytes: 1 << 20, partitionBytes: 1 << 20, partitions: 4 };
      const store = new PartitionStore({ ...options, tmpDir: tmp, forceSpill: true });
      // Interleaved: each partition's chunks are apart in its side's file.
      for (let i = 0; i < 3000; i++) store.addBytes((i % 2) as 0 | 1, i % 4, Buffer.from(`line ${i}\n`));
      const sources = [...store.sources()];
      const reader = new PartitionReader(options);
      for (const [p, source] of sources.slice(0, 3).entries())
        for (const part of reader.partitionsOf(source)) {
          const lines = part.legacy.toString('utf8').split('\n').slice(0, -1);
          expect(lines).toEqual(
            Array.from({ length: 3000 }, (_, i) => i)
              .filter((i) => i % 2 === 0 && i % 4 === p)
              .map((i) => `line ${i}`),
          );
        }
      const [dir] = fs.readdirSync(tmp);
      // Partition 3's rows are all on the cloud side, after partition 1's.
      fs.truncateSync(path.join(tmp, dir!, 'side-1'), 100);
      expect(() => [...reader.partitionsOf(sources[3]!)]).toThrow(
        expect.objectContaining({ code: 'EIO', syscall: 'read' }),
      );
      store.dispose();
      expect(fs.readdirSync(tmp)).toEqual([]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

// differencesFromFile: a run's differences.jsonl read back, in pieces, (the diagnosis's source when they
// fit in memory), and what it does when the file cannot be read.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { differencesFromFile, type StoredDifference } from '../../../src/store/differences.js';
import type { Difference } from '../../../src/reconcilers/types.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-diff-file-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const diff = (sku: string): Difference => ({
  type: 'missing_in_cloud',
  key: { sku },
  legacy: { sku, on_hand: '1.000' },
});

async function all(source: () => AsyncIterable<StoredDifference>): Promise<StoredDifference[]> {
  const out: StoredDifference[] = [];
  for await (const d of source()) out.push(d);
  return out;
}

describe('differencesFromFile', () => {
  it('gives line i as seq i + 1, a raw line separator inside a value included, every pass alike', async () => {
    const file = path.join(dir, 'a.jsonl');
    const skus = ['A', 'B\u2028C', 'D\u2029'];
    // JSON.stringify leaves U+2028 and U+2029 raw: only \n ends a line. No newline after the last.
    fs.writeFileSync(file, skus.map((s) => JSON.stringify(diff(s))).join('\n'));
    const source = differencesFromFile(file);
    const first = await all(source);
    expect(first).toEqual(skus.map((s, i) => ({ seq: i + 1, diff: diff(s) })));
    fs.rmSync(file);
    // Read once: a second pass shares the first's, even with the file gone.
    expect(await all(source)).toEqual(first);
  });

  it('reads a file of several megabytes in pieces, lines and characters cut between them included', async () => {
    const file = path.join(dir, 'big.jsonl');
    // Lines of varying length with two- and four-byte characters: the megabyte reads end inside
    // lines and inside characters.
    const skus = Array.from({ length: 30_000 }, (_, i) => `S${i}-${'é😀x'.repeat(i % 37)}`);
    fs.writeFileSync(file, skus.map((s) => `${JSON.stringify(diff(s))}\n`).join(''));
    expect(fs.statSync(file).size).toBeGreaterThan(3 * (1 << 20));
    const got = await all(differencesFromFile(file));
    expect(got.length).toBe(skus.length);
    expect(got).toEqual(skus.map((s, i) => ({ seq: i + 1, diff: diff(s) })));
  });

  it('a file gone or cut short gives way to the store when there is one, else fails', async () => {
    const stored: StoredDifference[] = [{ seq: 1, diff: diff('S') }];
    const store = async function* () {
      yield* stored;
    };
    const missing = path.join(dir, 'missing.jsonl');
    expect(await all(differencesFromFile(missing, store))).toEqual(stored);
    await expect(all(differencesFromFile(missing))).rejects.toMatchObject({ code: 'ENOENT' });
    const cut = path.join(dir, 'cut.jsonl');
    fs.writeFileSync(cut, `${JSON.stringify(diff('A'))}\n{"type":"miss`);
    expect(await all(differencesFromFile(cut, store))).toEqual(stored);
    await expect(all(differencesFromFile(cut))).rejects.toThrow(SyntaxError);
  });
});

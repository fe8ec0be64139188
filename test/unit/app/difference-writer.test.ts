/**
 * differences.jsonl: one JSON line per difference, in the order recorded, whatever the lines hold.
 * The writer encodes each line into a buffer of a megabyte as it is recorded and writes the buffer
 * when the next line might not fit; a line that could not fit in any buffer is written on its own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DifferenceWriter } from '../../../src/app/difference-writer.js';
import type { Difference } from '../../../src/reconcilers/types.js';
import { openControlStore } from '../../../src/store/control-store.js';
import { createRun } from '../../../src/store/runs.js';
import { differencesFromFile, differencesStreamedFromFile } from '../../../src/store/differences.js';
import { inventory, mismatch, missing } from '../exceptions/fixtures.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-writer-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Text of every width in UTF-8: ASCII, two bytes (ë), three (中, U+2028), four (an emoji's surrogate pair). */
const PIECES = ['a', 'ë', '中', '\u2028', '😀', '"', '\\', '\n', '\t'];

function text(i: number, length: number): string {
  let out = '';
  for (let k = 0; out.length < length; k++) out += PIECES[(i + k) % PIECES.length];
  return out;
}

function differences(): Difference[] {
  const out: Difference[] = [];
  for (let i = 1; i <= 6000; i++) {
    const d =
      i % 4 ? mismatch(`S${i}`, `${i}.000`, `${i + 1}.000`, '1.000') : missing('missing_in_cloud', `M${i}`);
    // Values of growing width, so the lines end at every offset of the buffer.
    if (i % 7 === 0) (d as { legacy: Record<string, string> }).legacy.status = text(i, i % 600);
    out.push(d);
    // Lines near the buffer's size, of three-byte characters (UTF-8's most bytes per UTF-16 unit):
    // one that fits only in a buffer holding little else, and one too long for any.
    if (i === 2500) out.push(mismatch('中'.repeat(300_000), '1.000', '2.000', '1.000'));
    if (i === 4000) out.push(mismatch('中'.repeat(400_000), '1.000', '2.000', '1.000'));
  }
  return out;
}

describe('DifferenceWriter', () => {
  it('writes one JSON line per difference, byte for byte, across buffers and past their size', async () => {
    const store = await openControlStore('sqlite::memory:');
    try {
      const runId = await createRun(store, { prefix: 'r', command: 'reconcile', name: inventory.name });
      const file = path.join(tmp, 'differences.jsonl');
      const writer = new DifferenceWriter(store, runId, inventory.key, file, { threads: false });
      const all = differences();
      for (const d of all) await writer.write(d);
      await writer.finish();
      const expected = Buffer.from(all.map((d) => JSON.stringify(d)).join('\n') + '\n', 'utf8');
      // Several megabytes: many buffers written, and the two long lines among them.
      expect(expected.length).toBeGreaterThan(3 << 20);
      expect(fs.readFileSync(file).equals(expected)).toBe(true);
      // Read back a megabyte at a time, lines and characters across the chunks' edges: whole, and
      // streamed on each pass (twice here, as the diagnosis reads it).
      const want = all.map((diff, i) => ({ seq: i + 1, diff }));
      const read = async (source: () => AsyncIterable<unknown>) => {
        const out = [];
        for await (const d of source()) out.push(d);
        return out;
      };
      expect(await read(differencesFromFile(file))).toEqual(want);
      const streamed = differencesStreamedFromFile(file);
      expect(await read(streamed)).toEqual(want);
      expect(await read(streamed)).toEqual(want);
      expect(fs.readdirSync(tmp)).toEqual(['differences.jsonl']);
    } finally {
      await store.close();
    }
  });
});

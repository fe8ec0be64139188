import { describe, it, expect } from 'vitest';
import { insertDifferences, streamDifferences, type DifferenceRow } from '../../../src/store/differences.js';
import { createRun } from '../../../src/store/runs.js';
import { encodeKey } from '../../../src/reconcilers/key.js';
import type { Difference } from '../../../src/reconcilers/types.js';
import { DIALECTS, freshStore } from '../exceptions/fixtures.js';

describe.each(DIALECTS)('insertDifferences on a %s control store', (dialect) => {
  it('stores every row of a large batch exactly, whatever the text holds', async () => {
    const { store, dispose } = await freshStore(dialect);
    try {
      const runId = await createRun(store, { prefix: 'r', command: 'reconcile', name: 'm', now: new Date() });
      // Quotes, backslashes, JSON escapes, control characters, emoji and RTL text in keys and values.
      const odd = [
        'a\'b"c',
        'back\\slash',
        '\u0001\u001f',
        'emoji 🧾',
        'שלום',
        '{"not":"json"}',
        '  pad  ',
        '',
      ];
      const diffs: Difference[] = Array.from({ length: 12_345 }, (_, i) => ({
        type: 'mismatch',
        key: { sku: `${odd[i % odd.length]}-${i}` },
        fields: { qty: { legacy: String(i), cloud: String(i + 1), delta: '1' } },
        legacy: { sku: `${odd[i % odd.length]}-${i}`, qty: String(i) },
        cloud: { sku: `${odd[i % odd.length]}-${i}`, qty: String(i + 1) },
      }));
      const rows: DifferenceRow[] = diffs.map((d, i) => ({
        run_id: runId,
        seq: i + 1,
        type: d.type,
        key_text: encodeKey(d.key, ['sku']),
        body: JSON.stringify(d),
      }));
      await insertDifferences(store, rows);
      const back = [];
      for await (const s of streamDifferences(store, runId)) back.push(s);
      expect(back.map((s) => s.seq)).toEqual(rows.map((r) => r.seq));
      expect(back.map((s) => s.diff)).toEqual(diffs);
      const keys = (await store
        .knex('cutover_differences')
        .select('key_text')
        .where('run_id', runId)
        .orderBy('seq')) as {
        key_text: string;
      }[];
      expect(keys.map((k) => k.key_text)).toEqual(rows.map((r) => r.key_text));
    } finally {
      await dispose();
    }
  });
});

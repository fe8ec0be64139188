import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { RawValue } from '../../../src/adapters/types.js';
import { buildNormalizer } from '../../../src/reconcilers/normalize.js';
import { formatDecimal } from '../../../src/util/exact-decimal.js';
import type { Difference } from '../../../src/reconcilers/types.js';
import { makeMapping, runCompare, runEncoded, sortDiffs } from './helpers.js';

// Key (code, id): code is trimmed and upper-cased, so its case and padding never matter.
const mapping = makeMapping(
  {
    code: { type: 'string', trim: true, case: 'upper' },
    id: { type: 'integer' },
    qty: { type: 'decimal', scale: 3 },
    label: { type: 'string', trim: true, case: 'lower' },
    note: { type: 'string' },
  },
  ['code', 'id'],
);
const legacyNorm = buildNormalizer(mapping, 'legacy');
const cloudNorm = buildNormalizer(mapping, 'cloud');

interface Row {
  code: string;
  id: bigint;
  qty: bigint; // units at scale 3
  label: string;
  note: string | null;
}
type Edit =
  | { kind: 'qty'; delta: bigint }
  | { kind: 'note' }
  | { kind: 'noteSpace' }
  | { kind: 'delete' }
  | { kind: 'duplicate' }
  | { kind: 'cosmetic'; variant: number };

const rowArb = fc.record({
  code: fc.stringMatching(/^[A-Z0-9][A-Z0-9-]{0,5}$/),
  id: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  qty: fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
  label: fc.stringMatching(/^[a-z]{0,4}( [a-z]{1,3})?$/),
  note: fc.option(fc.string({ maxLength: 6 }), { nil: null }),
});
const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({
    kind: fc.constant('qty' as const),
    delta: fc.bigInt({ min: 1n, max: 10n ** 6n }).map((d) => d),
  }),
  fc.constant({ kind: 'note' as const }),
  fc.constant({ kind: 'noteSpace' as const }),
  fc.constant({ kind: 'delete' as const }),
  fc.constant({ kind: 'duplicate' as const }),
  fc.record({ kind: fc.constant('cosmetic' as const), variant: fc.integer({ min: 0, max: 3 }) }),
);
const scenarioArb = fc.record({
  rows: fc.uniqueArray(rowArb, { selector: (r) => `${r.code}|${r.id}`, minLength: 1, maxLength: 60 }),
  edits: fc.array(editArb, { maxLength: 30 }),
  added: fc.uniqueArray(rowArb, { selector: (r) => `${r.code}|${r.id}`, maxLength: 5 }),
});

const raw = (r: Row, qtyText?: string): RawValue[] => [
  r.code,
  r.id,
  qtyText ?? formatDecimal(r.qty, 3),
  r.label,
  r.note,
];
const keyOf = (r: Row) => ({ code: r.code, id: r.id.toString() });

/** The same quantity written differently: what another engine might print. */
function qtyVariant(units: bigint, variant: number): string {
  if (variant === 0) return `${units}E-3`;
  if (variant === 1) return formatDecimal(units * 100n, 5);
  return formatDecimal(units, 3);
}

/** A compact view of a difference, for comparing with what was injected. */
const view = (d: Difference) => ({
  type: d.type,
  key: d.key,
  side: d.type === 'duplicate_key' || d.type === 'unbalanced_journal' ? d.side : undefined,
  count: d.type === 'duplicate_key' ? d.count : undefined,
  fields: d.type === 'mismatch' ? Object.keys(d.fields).sort() : undefined,
});

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'engine-prop-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('compareStreams property', () => {
  it('reports exactly the injected differences, the same with and without spilling', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ rows, edits, added }) => {
        const legacy: RawValue[][] = [];
        const cloud: RawValue[][] = [];
        const expected: ReturnType<typeof view>[] = [];
        const existing = new Set(rows.map((r) => `${r.code}|${r.id}`));
        rows.forEach((r, i) => {
          legacy.push(raw(r));
          const e = edits[i]; // at most one edit per row: the expected result is then unambiguous
          if (!e) return cloud.push(raw(r));
          switch (e.kind) {
            case 'qty':
              cloud.push(raw({ ...r, qty: r.qty + e.delta }));
              expected.push({
                type: 'mismatch',
                key: keyOf(r),
                side: undefined,
                count: undefined,
                fields: ['qty'],
              });
              break;
            case 'note':
            case 'noteSpace': // note is not trimmed: a trailing space is a real difference
              cloud.push(raw({ ...r, note: `${r.note ?? ''}${e.kind === 'note' ? 'x' : ' '}` }));
              expected.push({
                type: 'mismatch',
                key: keyOf(r),
                side: undefined,
                count: undefined,
                fields: ['note'],
              });
              break;
            case 'delete':
              expected.push({
                type: 'missing_in_cloud',
                key: keyOf(r),
                side: undefined,
                count: undefined,
                fields: undefined,
              });
              break;
            case 'duplicate':
              cloud.push(raw(r), raw({ ...r, qty: r.qty + 1n }));
              expected.push({
                type: 'duplicate_key',
                key: keyOf(r),
                side: 'cloud',
                count: 2,
                fields: undefined,
              });
              break;
            case 'cosmetic': // case and padding of trimmed/cased fields, number spelling: never a difference
              cloud.push(
                raw(
                  {
                    ...r,
                    code: e.variant % 2 ? ` ${r.code.toLowerCase()}  ` : `${r.code}   `,
                    label: e.variant > 1 ? `  ${r.label.toUpperCase()} ` : r.label.toUpperCase(),
                  },
                  qtyVariant(r.qty, e.variant),
                ),
              );
              break;
          }
        });
        for (const a of added) {
          if (existing.has(`${a.code}|${a.id}`)) continue;
          cloud.push(raw(a));
          expected.push({
            type: 'missing_in_legacy',
            key: keyOf(a),
            side: undefined,
            count: undefined,
            fields: undefined,
          });
        }
        const l = legacy.map((r) => legacyNorm.normalize(r));
        const c = cloud.reverse().map((r) => cloudNorm.normalize(r)); // another engine, another order
        const inMemory = await runCompare(mapping, l, c, { tmpDir: tmp });
        const spilled = await runCompare(mapping, l, c, { tmpDir: tmp, forceSpill: true });
        expect(spilled.stats.spilled).toBe(true);
        expect(sortDiffs(inMemory.diffs).map(view)).toEqual(sortDiffs(expected as unknown as Difference[]));
        expect(sortDiffs(spilled.diffs)).toEqual(sortDiffs(inMemory.diffs));
        expect(spilled.stats).toEqual({ ...inMemory.stats, spilled: true });
        // The reader threads' path (encodeSide → RowPacker → compareEncoded), run in this thread on
        // the same raw rows: the same differences and counts.
        const encoded = await runEncoded(mapping, legacy, [...cloud], { tmpDir: tmp });
        expect(sortDiffs(encoded.diffs)).toEqual(sortDiffs(inMemory.diffs));
        expect(encoded.stats).toEqual(inMemory.stats);
        const differing = expected.length;
        const dup = expected.filter((d) => d.type === 'duplicate_key').length;
        expect(inMemory.stats.counts.matched).toBe(
          rows.length - differing + expected.filter((d) => d.type === 'missing_in_legacy').length,
        );
        expect(inMemory.stats.counts.duplicateKeys).toBe(dup);
        expect(fs.readdirSync(tmp)).toEqual([]);
      }),
      { numRuns: 80 },
    );
  }, 180_000);
});

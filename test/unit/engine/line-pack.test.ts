/**
 * The text-line read (RowPacker.addLine): a plain line packed straight from its bytes must give
 * exactly what parsing it, normalizing it and packing the canonical row gives, and any other line
 * must be refused (then it takes that path). Checked on generated lines that mix plain values with
 * every kind that is not: NULLs, padding, quotes, backslash escapes, control characters, non-ASCII
 * text, decimals that need rounding and values that are not numbers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CopyTextParser } from '../../../src/adapters/postgres/copy-text-parser.js';
import { buildNormalizer } from '../../../src/reconcilers/normalize.js';
import { RowPacker } from '../../../src/reconcilers/parallel-pack.js';
import type { CanonicalRow } from '../../../src/reconcilers/types.js';
import { plainDecimalAtScale, writePlainDecimalAtScale } from '../../../src/util/exact-decimal.js';
import { makeMapping } from './helpers.js';

/** Text a database might print for a decimal column, plain or not. */
const decimalText = fc.oneof(
  fc.stringMatching(/^-?[0-9]{1,6}(\.[0-9]{0,8})?$/),
  fc.stringMatching(/^ ?-?0{0,3}[0-9]{0,3}\.?0{0,6}[0-9]? ?$/),
  fc.string({ unit: fc.constantFrom(...'0123456789-.+eE x'), maxLength: 10 }),
  fc.constantFrom('', '-', '.', '-0', '-0.000', '0.0000001', '1e3', '00', '-00.10', '12.', '-.5'),
);

describe('writePlainDecimalAtScale', () => {
  it('writes the text plainDecimalAtScale gives, and refuses what it refuses', () => {
    fc.assert(
      fc.property(decimalText, fc.integer({ min: 0, max: 8 }), (text, scale) => {
        const src = Buffer.from(text, 'latin1');
        const out = Buffer.alloc(src.length + scale + 2);
        const end = writePlainDecimalAtScale(src, 0, src.length, scale, out, 0);
        const want = plainDecimalAtScale(text, scale);
        if (want === undefined) expect(end).toBe(-1);
        else expect(out.toString('latin1', 0, end)).toBe(want);
      }),
      { numRuns: 3000 },
    );
  });

  it('reads only its slice of a larger buffer', () => {
    const src = Buffer.from('x7.5\t12.34567\t-0.00y');
    const out = Buffer.alloc(32);
    expect(out.toString('latin1', 0, writePlainDecimalAtScale(src, 1, 4, 3, out, 0))).toBe('7.500');
    expect(writePlainDecimalAtScale(src, 5, 13, 3, out, 0)).toBe(-1); // needs rounding
    expect(out.toString('latin1', 4, writePlainDecimalAtScale(src, 14, 19, 2, out, 4))).toBe('0.00');
  });
});

const mapping = makeMapping(
  {
    sku: { type: 'string' },
    loc: { type: 'string', trim: true },
    qty: { type: 'decimal', scale: 3 },
    n: { type: 'integer' },
    cost: { type: 'decimal', scale: 2, trim: true },
    note: { type: 'string' },
    memo: { type: 'string', compare: false },
  },
  ['sku', 'loc'],
  // Two fields on one column (the line is shorter than what is written from it).
  { legacyColumns: { memo: 'note' } },
);
const normalizer = buildNormalizer(mapping, 'legacy');

/** One COPY text value: plain text, padding, escapes, control bytes, non-ASCII, quotes, NULL. */
const textValue = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9 _.-]{0,8}$/),
  fc.constantFrom(
    '\\N',
    ' a ',
    '  ',
    '',
    'a"b',
    'tab\\there',
    'back\\\\slash',
    '\\101',
    'Zoë',
    'e\u0301',
    '\x01x',
    'del\x7f',
  ),
  fc.string({ maxLength: 6 }).map((s) => s.replace(/[\t\n\\]/g, '')),
);
const numberValue = fc.oneof(decimalText, fc.constant('\\N'));

/** A line of the mapping's columns (sku, loc, qty, n, cost, note), sometimes with a field too many or few. */
const line = fc
  .oneof(
    {
      weight: 9,
      arbitrary: fc.tuple(textValue, textValue, numberValue, numberValue, numberValue, textValue),
    },
    { weight: 1, arbitrary: fc.array(textValue, { minLength: 5, maxLength: 7 }) },
  )
  .map((fields) => fields.join('\t'));

/** What the parse + normalize + pack path makes of a line, or undefined when it throws. */
function slowPath(text: string): CanonicalRow | undefined {
  try {
    return normalizer.normalize(new CopyTextParser(normalizer.columns.length).parseLine(text));
  } catch {
    return undefined;
  }
}

describe('RowPacker.addLine', () => {
  it('has lanes for plain fields only', () => {
    expect(Object.keys(normalizer.lanes ?? {})).toEqual(Object.keys(mapping.fields));
    const mapped = makeMapping({ a: { type: 'string' }, b: { type: 'decimal', scale: 2 } }, ['a'], {
      legacyColumns: { a: { column: 'a', map: { x: 'y' } } },
    });
    expect(buildNormalizer(mapped, 'legacy').lanes).toBeUndefined();
    expect(buildNormalizer(mapped, 'cloud').lanes).toBeDefined();
    const noScale = makeMapping({ a: { type: 'string' }, b: { type: 'decimal' } }, ['a']);
    expect(buildNormalizer(noScale, 'legacy').lanes).toBeUndefined();
    const cased = makeMapping({ a: { type: 'string', case: 'upper' } }, ['a']);
    expect(buildNormalizer(cased, 'legacy').lanes).toBeUndefined();
    const dated = makeMapping({ a: { type: 'string' }, d: { type: 'date' } }, ['a']);
    expect(buildNormalizer(dated, 'legacy').lanes).toBeUndefined();
  });

  it('packs a plain line as parse + normalize + add would, and refuses every other line', () => {
    let taken = 0;
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 30 }), (lines) => {
        const fast = new RowPacker(mapping, normalizer.lanes, normalizer.columns.length);
        const slow = new RowPacker(mapping);
        const src = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
        let at = 0;
        for (const text of lines) {
          const end = src.indexOf(10, at);
          const want = slowPath(text);
          const row: CanonicalRow = {};
          const took = fast.addLine(src, at, end, row);
          if (took) {
            taken++;
            expect(want).toBeDefined();
            expect(row).toEqual(want);
          } else if (want) fast.add(want);
          if (want) slow.add(want);
          at = end + 1;
        }
        const a = fast.take();
        const b = slow.take();
        expect(a?.rows).toBe(b?.rows);
        if (a && b) {
          expect([...a.offsets]).toEqual([...b.offsets]);
          expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
    // The property would hold vacuously if no line ever took the fast path.
    expect(taken).toBeGreaterThan(100);
  });

  it('refuses what it must leave to the parser and the normalizer', () => {
    const packer = new RowPacker(mapping, normalizer.lanes, normalizer.columns.length);
    const refused = [
      'a\tb\t1\t2\t3', // a field too few
      'a\tb\t1\t2\t3\tx\ty', // a field too many
      'a\\tb\tb\t1\t2\t3\tx', // an escape
      'Zoë\tb\t1\t2\t3\tx', // non-ASCII (NFC)
      'a"\tb\t1\t2\t3\tx', // a quote (JSON-escaped)
      'a\tb\t1.0005\t2\t3\tx', // rounding
      'a\tb\t1\t2.5\t3\tx', // not an integer
      'a\tb\t 1\t2\t3\tx', // padding where the field does not trim
      'a\tb\tx\t2\t3\tx', // not a number
    ];
    for (const text of refused) {
      const src = Buffer.from(text);
      expect(packer.addLine(src, 0, src.length), text).toBe(false);
    }
    expect(packer.take()).toBeUndefined();
    const src = Buffer.from('a\t  b \t-0.000\t\\N\t 3 \t\\N');
    const row: CanonicalRow = {};
    expect(packer.addLine(src, 0, src.length, row)).toBe(true);
    expect(row).toEqual({ sku: 'a', loc: 'b', qty: '0.000', n: null, cost: '3.00', note: null, memo: null });
  });

  it('writes a key field listed twice as add does, across buffer growth', () => {
    const twice = makeMapping({ k: { type: 'string' } }, ['k', 'k']);
    const n = buildNormalizer(twice, 'legacy');
    const fast = new RowPacker(twice, n.lanes, n.columns.length);
    const slow = new RowPacker(twice);
    // ~7 MB written through a buffer that starts at 1 MB: rows end up across its end several times.
    for (let i = 0; i < 3000; i++) {
      const value = String.fromCharCode(97 + (i % 26)).repeat(1000 + ((i * 37) % 501));
      const src = Buffer.from(value);
      expect(fast.addLine(src, 0, src.length)).toBe(true);
      slow.add({ k: value });
    }
    expect(Buffer.from(fast.take()!.bytes).equals(Buffer.from(slow.take()!.bytes))).toBe(true);
  });

  it('makes room for what a line writes, not for every field times the line', () => {
    // 100 fields, one value of 45 MB.
    const wide = makeMapping(
      Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`f${i}`, { type: 'string' as const }])),
      ['f0'],
    );
    const w = buildNormalizer(wide, 'legacy');
    const big = 'x'.repeat(45 << 20);
    const values = Array.from({ length: 100 }, (_, i) => (i === 1 ? big : `v${i}`));
    const src = Buffer.from(values.join('\t'));
    const packer = new RowPacker(wide, w.lanes, w.columns.length);
    expect(packer.addLine(src, 0, src.length)).toBe(true);
    const reference = new RowPacker(wide);
    reference.add(Object.fromEntries(values.map((v, i) => [`f${i}`, v])));
    expect(Buffer.from(packer.take()!.bytes).equals(Buffer.from(reference.take()!.bytes))).toBe(true);
  });
});

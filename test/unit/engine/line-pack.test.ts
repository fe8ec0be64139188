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
import { decimalFieldEnd, plainDecimalAtScale, writeDecimalField } from '../../../src/util/exact-decimal.js';
import { makeMapping } from './helpers.js';

/** Text a database might print for a decimal column, plain or not. */
const decimalText = fc.oneof(
  fc.stringMatching(/^-?[0-9]{1,6}(\.[0-9]{0,8})?$/),
  fc.stringMatching(/^ ?-?0{0,3}[0-9]{0,3}\.?0{0,6}[0-9]? ?$/),
  fc.string({ unit: fc.constantFrom(...'0123456789-.+eE x'), maxLength: 10 }),
  fc.constantFrom('', '-', '.', '-0', '-0.000', '0.0000001', '1e3', '00', '-00.10', '12.', '-.5'),
);

describe('writeDecimalField', () => {
  it('writes the text plainDecimalAtScale gives, and refuses what it refuses, wherever the field is', () => {
    fc.assert(
      fc.property(
        decimalText,
        fc.integer({ min: 0, max: 8 }),
        fc.boolean(),
        fc.constantFrom('', 'x\t', '1.5\t'),
        fc.constantFrom('', '\ty', '\t2'),
        (text, scale, trim, before, after) => {
          const src = Buffer.from(`${before}${text}${after}`, 'latin1');
          const out = Buffer.alloc(src.length + scale + 2);
          const end = writeDecimalField(src, before.length, src.length, scale, trim, out, 0);
          const want = plainDecimalAtScale(trim ? text.replace(/^ +| +$/g, '') : text, scale);
          if (want === undefined) expect(end).toBe(-1);
          else {
            expect(out.toString('latin1', 0, end)).toBe(want);
            // It stops at the field's tab, or at the end.
            expect(decimalFieldEnd).toBe(before.length + text.length);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('reads only its slice of a larger buffer, and writes where it is told', () => {
    const src = Buffer.from('x7.5\t12.34567\t-0.00\ty');
    const out = Buffer.alloc(32);
    expect(out.toString('latin1', 0, writeDecimalField(src, 1, src.length, 3, false, out, 0))).toBe('7.500');
    expect(decimalFieldEnd).toBe(4);
    expect(writeDecimalField(src, 5, src.length, 3, false, out, 0)).toBe(-1); // needs rounding
    expect(out.toString('latin1', 4, writeDecimalField(src, 14, src.length, 2, false, out, 4))).toBe('0.00');
    expect(decimalFieldEnd).toBe(19);
    // `to` ends the field as a tab would.
    expect(out.toString('latin1', 0, writeDecimalField(src, 5, 7, 0, false, out, 0))).toBe('12');
    expect(decimalFieldEnd).toBe(7);
    // Spaces only where the field trims.
    const padded = Buffer.from('  -0012.50  ');
    expect(writeDecimalField(padded, 0, padded.length, 2, false, out, 0)).toBe(-1);
    expect(out.toString('latin1', 0, writeDecimalField(padded, 0, padded.length, 2, true, out, 0))).toBe(
      '-12.50',
    );
    // Scales past 80 are not plain (plainDecimalAtScale refuses them).
    const big = Buffer.alloc(100);
    const one = Buffer.from('1');
    expect(writeDecimalField(one, 0, 1, 81, false, big, 0)).toBe(-1);
    expect(big.toString('latin1', 0, writeDecimalField(one, 0, 1, 80, false, big, 0))).toBe(
      `1.${'0'.repeat(80)}`,
    );
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

/** A packer of `m`'s text lines, as a reader thread makes one: with the legacy side's lanes. */
function linePacker(m: typeof mapping): RowPacker {
  const n = buildNormalizer(m, 'legacy');
  return new RowPacker(m, n.lanes, n.columns.length);
}

/** One COPY text value: plain text, padding, escapes, control bytes, non-ASCII, quotes, NULL. */
const textValue = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9 _.-]{0,8}$/),
  fc.constantFrom(
    '\\N',
    '\\Nz',
    '\\N ',
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

/** The same fields without memo, on six columns: the key's fields first, in the key's order. */
const plainFields = {
  sku: { type: 'string' as const },
  loc: { type: 'string' as const, trim: true },
  qty: { type: 'decimal' as const, scale: 3 },
  n: { type: 'integer' as const },
  cost: { type: 'decimal' as const, scale: 2, trim: true },
  note: { type: 'string' as const },
};
const inOrder = makeMapping(plainFields, ['sku', 'loc']);
/** In order too: the field not compared (note, carried) is the last. */
const carriedLast = makeMapping({ ...plainFields, note: { type: 'string', compare: false } }, ['sku', 'loc']);
/** The key's order is not its columns' order: the lanes read column 1 before column 0. */
const keyReversed = makeMapping(plainFields, ['loc', 'sku']);

/** What the parse + normalize + pack path makes of a line, or undefined when it throws. */
function slowPath(text: string, n = normalizer): CanonicalRow | undefined {
  try {
    return n.normalize(new CopyTextParser(n.columns.length).parseLine(text));
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

  // memo on note's column: the general path, as with the key's fields out of the columns' order; the
  // key's fields first, each column once: the one pass (addInOrder).
  it.each([
    ['a column written twice', mapping, false],
    ["the key in its columns' order", inOrder, true],
    ["the key in its columns' order, a field carried last", carriedLast, true],
    ["the key out of its columns' order", keyReversed, false],
  ] as const)(
    'packs a plain line as parse + normalize + add would, and refuses every other line (%s)',
    (_, m, oneStep) => {
      const n = buildNormalizer(m, 'legacy');
      expect(linePacker(m).inOrder).toBe(oneStep);
      let taken = 0;
      fc.assert(
        fc.property(fc.array(line, { minLength: 1, maxLength: 30 }), (lines) => {
          const fast = linePacker(m);
          const slow = new RowPacker(m);
          const src = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
          let at = 0;
          for (const text of lines) {
            const end = src.indexOf(10, at);
            const want = slowPath(text, n);
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
    },
  );

  it.each([
    ['a column written twice', mapping, { memo: null }],
    ["the key in its columns' order", inOrder, {}],
  ] as const)('refuses what it must leave to the parser and the normalizer (%s)', (_, m, more) => {
    const packer = linePacker(m);
    const refused = [
      'a\tb\t1\t2\t3', // a field too few
      'a\tb\t1\t2\t3\tx\ty', // a field too many
      'a\tb\t1\t2\t3\tx\t', // an empty field too many
      'a\tb\t1\t2\t3\t\\N\t\\N', // a NULL too many
      'a\\tb\tb\t1\t2\t3\tx', // an escape
      'Zoë\tb\t1\t2\t3\tx', // non-ASCII (NFC)
      'a"\tb\t1\t2\t3\tx', // a quote (JSON-escaped)
      'a\tb\t1.0005\t2\t3\tx', // rounding
      'a\tb\t1\t2.5\t3\tx', // not an integer
      'a\tb\t 1\t2\t3\tx', // padding where the field does not trim
      'a\tb\tx\t2\t3\tx', // not a number
      'a\tb\t\\Nx\t2\t3\tx', // not a NULL
      '\\Nz\t1\t2\t3\tx', // not a NULL either, and a field too few
    ];
    for (const text of refused) {
      const src = Buffer.from(text);
      expect(packer.addLine(src, 0, src.length), text).toBe(false);
    }
    expect(packer.take()).toBeUndefined();
    const src = Buffer.from('a\t  b \t-0.000\t\\N\t 3 \t\\N');
    const row: CanonicalRow = {};
    expect(packer.addLine(src, 0, src.length, row)).toBe(true);
    expect(row).toEqual({ sku: 'a', loc: 'b', qty: '0.000', n: null, cost: '3.00', note: null, ...more });
  });

  it('writes a key field listed twice as add does, across buffer growth', () => {
    const twice = makeMapping({ k: { type: 'string' } }, ['k', 'k']);
    const fast = linePacker(twice);
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

  it('takes the one pass only where the lanes read every column in order, once', () => {
    expect(linePacker(carriedLast).inOrder).toBe(true);
    // A field not compared before one that is: the held line writes it after, out of order.
    const { note, ...rest } = plainFields;
    const carriedFirst = makeMapping(
      {
        sku: rest.sku,
        loc: rest.loc,
        note: { ...note, compare: false },
        qty: rest.qty,
        n: rest.n,
        cost: rest.cost,
      },
      ['sku', 'loc'],
    );
    expect(linePacker(carriedFirst).inOrder).toBe(false);
    // No lanes (a packer for canonical rows): never.
    expect(new RowPacker(inOrder).inOrder).toBe(false);
  });

  it("packs lines around the scratch buffer's size as add does, on the one pass and past it", () => {
    const two = makeMapping({ k: { type: 'string' }, v: { type: 'string' } }, ['k']);
    const fast = linePacker(two);
    expect(fast.inOrder).toBe(true);
    const slow = new RowPacker(two);
    // Keys of ~64 KB: the lines below the scratch's 64 KB take the one pass, the others the other.
    for (const size of [1000, 65_000, 65_500, 65_536, 66_000, 200_000]) {
      const k = 'k'.repeat(size);
      const src = Buffer.from(`${k}\tv`);
      expect(fast.addLine(src, 0, src.length), String(size)).toBe(true);
      slow.add({ k, v: 'v' });
    }
    expect(Buffer.from(fast.take()!.bytes).equals(Buffer.from(slow.take()!.bytes))).toBe(true);
  });

  it('makes room for what a line writes, not for every field times the line', () => {
    // 100 fields, one value of 45 MB.
    const wide = makeMapping(
      Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`f${i}`, { type: 'string' as const }])),
      ['f0'],
    );
    const big = 'x'.repeat(45 << 20);
    const values = Array.from({ length: 100 }, (_, i) => (i === 1 ? big : `v${i}`));
    const src = Buffer.from(values.join('\t'));
    const packer = linePacker(wide);
    expect(packer.addLine(src, 0, src.length)).toBe(true);
    const reference = new RowPacker(wide);
    reference.add(Object.fromEntries(values.map((v, i) => [`f${i}`, v])));
    expect(Buffer.from(packer.take()!.bytes).equals(Buffer.from(reference.take()!.bytes))).toBe(true);
  });
});

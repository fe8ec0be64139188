import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { DecimalSums } from '../../../src/replay/decimal-sums.js';
import {
  addDecimal,
  tryParseExact as parseDecimal,
  formatDecimal,
  isDecimal,
} from '../../../src/util/exact-decimal.js';

describe('exact decimal arithmetic', () => {
  it('adds at the larger scale without floating point', () => {
    expect(addDecimal('0.1', '0.2')).toBe('0.3');
    expect(addDecimal('10.000', '-2.125')).toBe('7.875');
    expect(addDecimal('-0.005', '0.001')).toBe('-0.004');
    expect(addDecimal('99999999999999999.99', '0.01')).toBe('100000000000000000.00');
    expect(addDecimal(3, '1.50')).toBe('4.50');
    expect(addDecimal(10n, '1')).toBe('11');
  });
  it('refuses what is not a decimal, and reads exponents with the one grammar the engine uses', () => {
    expect(addDecimal('abc', '1')).toBeUndefined();
    expect(addDecimal('1e', '1')).toBeUndefined();
    expect(addDecimal('e5', '1')).toBeUndefined();
    expect(addDecimal('1e5', '1')).toBe('100001');
    expect(addDecimal('2.5E-1', '0.5')).toBe('0.75');
    expect(parseDecimal('')).toBeUndefined();
    expect(parseDecimal(null)).toBeUndefined();
  });
  it('agrees with BigInt arithmetic on random thousandths', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
        fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
        (a, b) => {
          expect(addDecimal(formatDecimal(a, 3), formatDecimal(b, 3))).toBe(formatDecimal(a + b, 3));
        },
      ),
    );
  });
});

describe('running sums', () => {
  it('sums exactly across scales, and a column that once held a non-number stays n/a', () => {
    const sums = new DecimalSums();
    sums.addMapped(
      { qty: '$.payload.qty', amount: '$.payload.amount', note: 'fixed', n: '$.payload.n' },
      {
        qty: '1.5',
        amount: '0.10',
        note: 'x',
        n: 'abc',
      },
    );
    sums.addMapped(
      { qty: '$.payload.qty', amount: '$.payload.amount', n: '$.payload.n' },
      {
        qty: '-0.125',
        amount: 2,
        n: '5',
      },
    );
    sums.add('qty', '99999999999999999.5');
    const out: Record<string, string> = {};
    sums.writeTo(out);
    expect(out).toEqual({ qty: '100000000000000000.875', amount: '2.10', n: 'n/a' });
  });
  it('agrees with addDecimal on random values', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 0, max: 6 })),
        ),
        (xs) => {
          const sums = new DecimalSums();
          let expected = '0';
          for (const [u, sc] of xs) {
            const v = formatDecimal(u, sc);
            sums.add('c', v);
            expected = addDecimal(expected, v)!;
          }
          const out: Record<string, string> = {};
          sums.writeTo(out);
          if (xs.length) expect(parseDecimal(out.c)).toEqual(parseDecimal(expected));
        },
      ),
    );
  });
  it('tells a decimal from anything else without building it', () => {
    for (const v of ['1', '-0.5', '.5', '5.', ' 7 ', 3, 10n, '1e3', '-2.5E+2'])
      expect(isDecimal(v)).toBe(true);
    for (const v of ['', '.', 'NaN', 'e3', '1e', '1e3.5', '1e999', 'abc', null, undefined, {}, Infinity])
      expect(isDecimal(v)).toBe(false);
  });
});

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { addDecimal, parseDecimal, formatDecimal } from '../../../src/replay/decimal.js';

describe('exact decimal arithmetic', () => {
  it('adds at the larger scale without floating point', () => {
    expect(addDecimal('0.1', '0.2')).toBe('0.3');
    expect(addDecimal('10.000', '-2.125')).toBe('7.875');
    expect(addDecimal('-0.005', '0.001')).toBe('-0.004');
    expect(addDecimal('99999999999999999.99', '0.01')).toBe('100000000000000000.00');
    expect(addDecimal(3, '1.50')).toBe('4.50');
    expect(addDecimal(10n, '1')).toBe('11');
  });
  it('refuses what is not a plain decimal', () => {
    expect(addDecimal('abc', '1')).toBeUndefined();
    expect(addDecimal('1e5', '1')).toBeUndefined();
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

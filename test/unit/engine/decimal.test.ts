import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDecimal,
  formatExact,
  isCanonicalDecimal,
  isDecimal,
  scaleOf,
  toScaled,
  tryParseExact,
  formatDecimal,
  mulDiv,
  parseDecimal,
  parseExact,
  plainDecimalAtScale,
  withinAbsolute,
  withinRelative,
} from '../../../src/util/exact-decimal.js';
import { DataError } from '../../../src/errors.js';

describe('parseDecimal', () => {
  it('reads every spelling of the same value to the same units', () => {
    for (const t of ['10.5', '10.50', '1.05E1', '1.05e+1', '105e-1', ' 10.5 ', '+10.5', '10.500000'])
      expect(parseDecimal(t, 2)).toBe(1050n);
    expect(parseDecimal('.71', 2)).toBe(71n);
    expect(parseDecimal('-.71', 2)).toBe(-71n);
    expect(parseDecimal('+3', 0)).toBe(3n);
    expect(parseDecimal('  12 ', 1)).toBe(120n);
    expect(parseDecimal('5.', 1)).toBe(50n);
  });
  it('treats -0 as 0', () => {
    expect(parseDecimal('-0', 2)).toBe(0n);
    expect(parseDecimal('-0.000', 2)).toBe(0n);
    expect(formatDecimal(parseDecimal('-0.001', 2), 2)).toBe('0.00');
  });
  it('keeps integers above 2^53 exact', () => {
    expect(parseDecimal('9007199254740993', 0)).toBe(9007199254740993n);
    expect(parseDecimal(9007199254740993n, 2)).toBe(900719925474099300n);
    expect(parseDecimal('123456789012345678901234567890.1234', 4)).toBe(1234567890123456789012345678901234n);
  });
  it('turns JS numbers into their shortest text, never float arithmetic', () => {
    expect(parseDecimal(0.1, 2)).toBe(10n);
    expect(parseDecimal(1.005, 3)).toBe(1005n);
    expect(parseDecimal(0.3, 1)).toBe(3n);
    expect(parseDecimal(1e21, 0)).toBe(10n ** 21n);
  });
  it('rounds half-up by default, half-even and truncate on request', () => {
    expect(parseDecimal('2.345', 2)).toBe(235n);
    expect(parseDecimal('-2.345', 2)).toBe(-235n);
    expect(parseDecimal('2.345', 2, 'half-even')).toBe(234n);
    expect(parseDecimal('2.355', 2, 'half-even')).toBe(236n);
    expect(parseDecimal('2.349', 2, 'truncate')).toBe(234n);
    expect(parseDecimal('-2.349', 2, 'truncate')).toBe(-234n);
  });
  it('throws a DataError on garbage', () => {
    for (const t of ['', ' ', 'abc', '1.2.3', '1e', '--1', '1,5', 'NaN', '.', '1e99999'])
      expect(() => parseDecimal(t, 2), t).toThrow(DataError);
    expect(() => parseDecimal(Number.NaN, 2)).toThrow(DataError);
    expect(() => parseDecimal(Infinity, 2)).toThrow(DataError);
  });
});

describe('formatDecimal', () => {
  it('pads to scale and never prints -0', () => {
    expect(formatDecimal(1050n, 2)).toBe('10.50');
    expect(formatDecimal(-71n, 2)).toBe('-0.71');
    expect(formatDecimal(0n, 2)).toBe('0.00');
    expect(formatDecimal(-0n, 2)).toBe('0.00');
    expect(formatDecimal(5n, 3)).toBe('0.005');
    expect(formatDecimal(-12n, 0)).toBe('-12');
  });
  it('round-trips random values', () => {
    for (let i = 0; i < 500; i++) {
      const units = BigInt(Math.floor(Math.random() * 2e9) - 1e9) * 1000003n;
      const scale = i % 7;
      expect(parseDecimal(formatDecimal(units, scale), scale)).toBe(units);
    }
  });
});

describe('mulDiv and tolerances', () => {
  it('multiplies and divides exactly, rounding once', () => {
    expect(formatDecimal(mulDiv(parseExact('2.5'), parseExact('12'), undefined, 3), 3)).toBe('30.000');
    expect(formatDecimal(mulDiv(parseExact('10'), undefined, parseExact('3'), 4), 4)).toBe('3.3333');
    expect(formatDecimal(mulDiv(parseExact('20'), undefined, parseExact('3'), 4), 4)).toBe('6.6667');
    expect(formatDecimal(mulDiv(parseExact('-20'), undefined, parseExact('3'), 4), 4)).toBe('-6.6667');
    expect(formatDecimal(mulDiv(parseExact('1'), parseExact('0.1'), parseExact('0.3'), 2), 2)).toBe('0.33');
  });
  it('applies absolute and relative tolerance exactly at the boundary', () => {
    expect(withinAbsolute(1000n, 1005n, 5n)).toBe(true);
    expect(withinAbsolute(1000n, 1006n, 5n)).toBe(false);
    expect(withinAbsolute(1006n, 1000n, 5n)).toBe(false);
    // 0.1% of 1000.00 is 1.00
    expect(withinRelative(100000n, 100100n, parseExact('0.001'))).toBe(true);
    expect(withinRelative(100000n, 100101n, parseExact('0.001'))).toBe(false);
  });
});

describe('plainDecimalAtScale (the string fast path)', () => {
  it('always agrees with the BigInt path', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^-?\d{1,25}(\.\d{0,12})?$/),
        fc.integer({ min: 0, max: 10 }),
        (text, scale) => {
          const fast = plainDecimalAtScale(text, scale);
          const slow = formatDecimal(parseDecimal(text, scale), scale);
          if (fast !== undefined) expect(fast).toBe(slow);
          // The fast path must cover every value that needs no rounding (not just bail out).
          const frac = text.split('.')[1] ?? '';
          if (/^0*$/.test(frac.slice(scale))) expect(fast).toBe(slow);
        },
      ),
      { numRuns: 2000 },
    );
    expect(plainDecimalAtScale('12.500000', 3)).toBe('12.500');
    expect(plainDecimalAtScale('-0.000', 2)).toBe('0.00');
    expect(plainDecimalAtScale('007', 0)).toBe('7');
    expect(plainDecimalAtScale('1.2345', 2)).toBeUndefined(); // needs rounding: BigInt path
    expect(plainDecimalAtScale('12.', 0)).toBe('12');
    expect(plainDecimalAtScale('12.', 2)).toBe('12.00');
    expect(plainDecimalAtScale('-0', 0)).toBe('0');
    expect(plainDecimalAtScale('-00.10', 1)).toBe('-0.1');
    expect(plainDecimalAtScale('12.50', 2)).toBe('12.50');
    for (const bad of ['', '-', '.5', '+3', '1e5', '1.2.3', '1,5', ' 1', '1-'])
      expect(plainDecimalAtScale(bad, 2)).toBeUndefined();
  });
});

describe('the one decimal grammar', () => {
  it('reads exponents, signs, leading zeros and -0 the same way everywhere', () => {
    expect(tryParseExact('1.05E1')).toEqual({ units: 105n, scale: 1 });
    expect(tryParseExact('1e3')).toEqual({ units: 1000n, scale: 0 });
    expect(tryParseExact('-2.5e-2')).toEqual({ units: -25n, scale: 3 });
    expect(tryParseExact('+007.50')).toEqual({ units: 750n, scale: 2 });
    expect(tryParseExact('-0')).toEqual({ units: 0n, scale: 0 });
    expect(formatExact(tryParseExact('-0.000')!)).toBe('0');
    expect(formatExact(tryParseExact('000123.4500')!)).toBe('123.45');
    expect(addDecimal('1e2', '-0.5')).toBe('99.5');
  });
  it('refuses what is not a decimal, the same way everywhere', () => {
    for (const v of [
      '',
      ' ',
      '.',
      '+',
      '-',
      'e3',
      '1e',
      '1e+',
      '1.2.3',
      '1,5',
      '0x10',
      '1e401',
      'NaN',
      null,
      true,
      {},
    ])
      expect([v, tryParseExact(v)]).toEqual([v, undefined]);
    for (const v of ['', '1e', 'abc']) expect(() => parseExact(v)).toThrow(DataError);
    expect(isDecimal(Infinity)).toBe(false);
    expect(isDecimal(10n)).toBe(true);
  });
  it('tells canonical text (what the engine writes and reports show) from other spellings', () => {
    for (const v of ['0', '-1.50', '42', '0.001']) expect(isCanonicalDecimal(v)).toBe(true);
    for (const v of ['+1', '1e3', ' 1', '1.', '.5', '']) expect(isCanonicalDecimal(v)).toBe(false);
    expect(scaleOf('10.50')).toBe(2);
    expect(scaleOf('7')).toBe(0);
    expect(toScaled('-1.239', 2)).toBe(-123n);
  });
});

import { describe, expect, it } from 'vitest';
import { allocateRows } from '../../../src/reports/detail-layout.js';
import { SheetNames } from '../../../src/reports/sheet-names.js';
import { significantDigits, sumDecimals, numberFormat } from '../../../src/reports/number-format.js';

describe('allocateRows', () => {
  it('shows small classes whole and splits the rest of the cap among the big ones', () => {
    expect(allocateRows({ mismatch: 900_000, missing_in_cloud: 30, duplicate_key: 70_000 }, 100_000, 1_048_575)).toEqual({
      missing_in_cloud: 30,
      duplicate_key: 49_985,
      mismatch: 49_985,
    });
  });
  it('never gives a sheet more than Excel holds, whatever the cap', () => {
    const a = allocateRows({ mismatch: 3_000_000, missing_in_cloud: 2_000_000 }, 5_000_000, 1_048_575);
    expect(a).toEqual({ mismatch: 1_048_575, missing_in_cloud: 1_048_575 });
  });
  it('gives everything when the run fits', () => {
    expect(allocateRows({ mismatch: 10, duplicate_key: 5 }, 100, 1_048_575)).toEqual({ mismatch: 10, duplicate_key: 5 });
  });
});

describe('SheetNames', () => {
  it('makes valid, unique names of at most 31 characters', () => {
    const names = new SheetNames();
    expect(names.take('trial balance')).toBe('Trial balance');
    expect(names.take('Trial Balance')).toBe('Trial Balance 2');
    expect(names.take('amount by status/day: [all]?')).toBe('Amount by status day all');
    const long = names.take('x'.repeat(40));
    expect(long).toHaveLength(31);
    expect(names.take('x'.repeat(40))).toMatch(/^Xx{28} 2$/);
  });
});

describe('number helpers', () => {
  it('counts significant digits and sums exactly', () => {
    expect(significantDigits('-0001234.5600')).toBe(6);
    expect(significantDigits('12345678901234567.1234')).toBe(21);
    expect(sumDecimals(['0.10', '0.20', '-0.3'])).toBe('0.00');
    expect(sumDecimals(['99999999999999999.99', '0.01'])).toBe('100000000000000000.00');
    expect(numberFormat(0)).toBe('#,##0;[Red]-#,##0');
  });
});

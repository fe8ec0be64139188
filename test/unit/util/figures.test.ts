import { describe, expect, it } from 'vitest';
import { formatCount, formatFigure } from '../../../src/util/figures.js';

describe('formatFigure: the one number formatter of human output', () => {
  it('money: thousands separators, two decimals, the currency, never a product scale', () => {
    expect(formatFigure('106799478.8700000', { currency: 'USD' })).toBe('106,799,478.87 USD');
    expect(formatFigure('-22113.5', { currency: 'USD' })).toBe('-22,113.50 USD');
    expect(formatFigure('0', { currency: 'EUR' })).toBe('0.00 EUR');
    // a digit that is really there is never dropped
    expect(formatFigure('69637182.575', { currency: 'USD' })).toBe('69,637,182.575 USD');
  });

  it('quantities: whole when whole, else at the field scale', () => {
    expect(formatFigure('2370091.000', { scale: 3 })).toBe('2,370,091');
    expect(formatFigure('-1.500', { scale: 3 })).toBe('-1.500');
    expect(formatFigure('12.5', { scale: 3 })).toBe('12.500');
    expect(formatFigure('1000')).toBe('1,000');
    expect(formatFigure('-0.000', { scale: 3 })).toBe('0');
    expect(formatFigure('0.0001234', { scale: 2 })).toBe('0.0001234');
  });

  it('exact beyond floating point, and leaves what is not a number alone', () => {
    expect(formatFigure('12345678901234567890.12', { currency: 'USD' })).toBe(
      '12,345,678,901,234,567,890.12 USD',
    );
    expect(formatFigure('n/a')).toBe('n/a');
    expect(formatFigure(null)).toBe('');
  });

  it('counts', () => {
    expect(formatCount(30363)).toBe('30,363');
    expect(formatCount(12345678901234567890n)).toBe('12,345,678,901,234,567,890');
  });
});

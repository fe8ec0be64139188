import { describe, it, expect } from 'vitest';
import { instantProblem } from '../../../src/util/instant-text.js';
import { columnKind, decimalProblem } from '../../../src/replay/write-values.js';

describe('instantProblem', () => {
  it('accepts real instants and dates', () => {
    for (const t of [
      '2026-11-25T22:00:00Z',
      '2028-02-29T10:00:00.123456+05:30',
      '2026-11-25T22:00Z',
      '2026-11-25T22:00:00-1400',
    ])
      expect(instantProblem(t, { zone: true }), t).toBeUndefined();
    expect(instantProblem('2026-11-25')).toBeUndefined();
    expect(instantProblem('2026-11-25 10:00:00')).toBeUndefined();
    expect(instantProblem('2026-11-25 22:00:00.123456+00')).toBeUndefined();
    expect(instantProblem('2026-11-25 22:00:00+99')).toMatch(/offset \+99/);
  });
  it('refuses impossible days, hours, seconds and offsets, saying which', () => {
    expect(instantProblem('2026-02-30T02:00:00Z')).toMatch(/day 30/);
    expect(instantProblem('2027-02-29')).toMatch(/day 29/);
    expect(instantProblem('2026-13-01')).toMatch(/month 13/);
    expect(instantProblem('2026-11-25T24:00:00Z')).toMatch(/hour 24/);
    expect(instantProblem('2026-11-25T10:60:00Z')).toMatch(/minute 60/);
    expect(instantProblem('2026-11-25T10:00:60Z')).toMatch(/second 60/);
    expect(instantProblem('2026-11-25T10:00:00+99:00')).toMatch(/offset \+99:00/);
    expect(instantProblem('2026-11-25T10:00:00+14:01')).toMatch(/offset/);
    expect(instantProblem('2026-11-25T10:00:00+05:60')).toMatch(/offset/);
    expect(instantProblem('2026-11-25T10:00:00', { zone: true })).toMatch(/no zone/);
    expect(instantProblem('2026-11-25', { time: true })).toMatch(/no time of day/);
    expect(instantProblem('next tuesday')).toMatch(/not ISO 8601/);
  });
});

describe('decimalProblem', () => {
  it('accepts decimal text and exact JSON numbers', () => {
    for (const v of ['12.50', '-3', '+0.125', '.5', 7.5, 100, -2, 123456789012345])
      expect(decimalProblem(v), String(v)).toBeUndefined();
  });
  it('refuses what is not an exact decimal', () => {
    for (const v of [
      'NaN',
      'Infinity',
      '1; DROP TABLE x',
      '0x10',
      '1e2',
      '',
      true,
      null,
      '[1]',
      1.23e22,
      1e-7,
      0.1 + 0.2,
      2 ** 60,
    ])
      expect(decimalProblem(v), String(v)).toBeDefined();
  });
});

describe('columnKind', () => {
  it('reads catalog type names', () => {
    expect(columnKind('timestamp with time zone')).toBe('timestamp');
    expect(columnKind('DATETIME2')).toBe('timestamp');
    expect(columnKind('datetimeoffset')).toBe('timestamp');
    expect(columnKind('date')).toBe('date');
    expect(columnKind('numeric')).toBe('decimal');
    expect(columnKind('integer')).toBe('integer');
    expect(columnKind('text')).toBe('other');
    expect(columnKind('time without time zone')).toBe('other');
  });
});

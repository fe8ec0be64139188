import { describe, it, expect } from 'vitest';
import { identityOf, rowDiff, sameValue } from '../../../src/rollback/row-image.js';
import { canonicalJson, planHash } from '../../../src/rollback/plan-hash.js';
import { netAmounts, payloadAmounts } from '../../../src/rollback/amounts.js';

describe('row comparison', () => {
  it('compares numbers as exact decimals, never as floats', () => {
    expect(sameValue('10.000', 10)).toBe(true);
    expect(sameValue('10.000', '10')).toBe(true);
    expect(sameValue(10n, '10.0')).toBe(true);
    expect(sameValue('0.1', '0.10000000000000001')).toBe(false);
    expect(sameValue('9007199254740993', 9007199254740992)).toBe(false);
  });
  it('tells NULL from empty and from zero', () => {
    expect(sameValue(null, '')).toBe(false);
    expect(sameValue(null, 0)).toBe(false);
    expect(sameValue(undefined, null)).toBe(true);
  });
  it('compares a Date from one driver with the ISO text the ledger stored', () => {
    expect(sameValue(new Date('2026-11-25T22:00:05Z'), '2026-11-25T22:00:05.000Z')).toBe(true);
    expect(sameValue(new Date('2026-11-25T22:00:05Z'), '2026-11-25T22:00:06.000Z')).toBe(false);
  });
  it('compares a date the server rendered (2026-11-26) with the Date the driver reads (local midnight)', () => {
    expect(sameValue(new Date(2026, 10, 26), '2026-11-26')).toBe(true);
    expect(sameValue('2026-11-26', new Date(2026, 10, 26))).toBe(true);
    expect(sameValue(new Date(2026, 10, 27), '2026-11-26')).toBe(false);
    // PostgreSQL's own rendering of a timestamptz, with microseconds, against the driver's Date.
    expect(sameValue('2026-11-25 22:00:05.123456+00', '2026-11-25T22:00:05.123456+00:00')).toBe(true);
    expect(sameValue('2026-11-25 23:00:05+01', '2026-11-25T22:00:05.000Z')).toBe(true);
    expect(sameValue('2026-11-25 22:00:05.123457+00', '2026-11-25T22:00:05.123456+00:00')).toBe(false);
    expect(sameValue(new Date('2026-11-25T22:00:05.123Z'), '2026-11-25T22:00:05.123456+00:00')).toBe(true);
    expect(sameValue(new Date('2026-11-25T22:00:05.124Z'), '2026-11-25T22:00:05.123456+00:00')).toBe(false);
  });
  it('compares a json document the ledger kept as text with the one a driver parsed', () => {
    expect(sameValue({ a: [1, 2.5], b: 'x' }, '{"b": "x", "a": [1, 2.50]}')).toBe(true);
    expect(sameValue({ a: [1, 2.5] }, '{"a": [1, 2.51]}')).toBe(false);
    expect(sameValue('[1, 2]', '[1,2]')).toBe(true);
  });
  it('compares booleans with SQLite 0/1', () => {
    expect(sameValue(true, 1)).toBe(true);
    expect(sameValue(false, 1)).toBe(false);
  });
  it('names the columns that differ', () => {
    expect(rowDiff({ sku: 'A', qty: '1.000', note: null }, { sku: 'A', qty: '2', note: null })).toEqual([
      'qty',
    ]);
    expect(rowDiff({ sku: 'A' }, { sku: 'A', extra: 'x' })).toEqual(['extra']);
  });
  it('gives a row one identity whatever the number spelling or column order', () => {
    expect(identityOf('cloud', 't', { a: 7, b: 'x' })).toBe(identityOf('cloud', 't', { b: 'x', a: '7.0' }));
    expect(identityOf('cloud', 't', { a: 7 })).not.toBe(identityOf('cloud', 't', { a: 8 }));
    expect(identityOf('cloud', 't', { a: 7 })).not.toBe(identityOf('other', 't', { a: 7 }));
  });
});

describe('plan hash', () => {
  it('does not depend on key order, and changes with any value', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 2 }], c: 3 } })).toBe(
      '{"a":{"c":3,"d":[2,{"e":2,"f":1}]},"b":1}',
    );
    expect(planHash({ a: 1, b: 2 })).toBe(planHash({ b: 2, a: 1 }));
    expect(planHash({ a: 1, b: 2 })).not.toBe(planHash({ a: 1, b: 3 }));
    expect(planHash({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('amounts', () => {
  it('sums the net effect per numeric column exactly, leaving out keys, text and timestamps', () => {
    const rows = [
      {
        where: { sku: 'A' },
        expect: { sku: 'A', qty: '10.125', at: '2026-11-25T22:00:00Z' },
        restore: { sku: 'A', qty: '10.000', at: null },
      },
      { where: { id: 5 }, expect: { id: 5, qty: '0.1' }, restore: null },
      { where: { id: 6 }, expect: null, restore: { id: 6, qty: '0.2' } },
    ];
    expect(netAmounts(rows)).toEqual({ qty: '0.025' });
  });
  it('reads the amounts of a payload (numbers and decimal text only)', () => {
    expect(
      payloadAmounts({ refundId: 'R-1', amount: '25.00', lines: 2, note: '12 boxes', nested: { x: 1 } }),
    ).toEqual({
      amount: '25.00',
      lines: '2',
    });
  });
});

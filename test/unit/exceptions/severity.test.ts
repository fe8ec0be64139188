import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decimalGte, sizeSeverity, varianceOf } from '../../../src/exceptions/severity.js';
import { inventory, mismatch, missing } from './fixtures.js';
import type { Difference } from '../../../src/reconcilers/types.js';

describe('severity', () => {
  it('variance of a mismatch is the largest |delta| of its numeric fields', () => {
    const d = mismatch('A', '10.000', '2.500', '-7.500');
    d.fields.status = { legacy: 'sellable', cloud: 'quarantine' };
    expect(varianceOf(d, inventory)).toBe('7.500');
  });

  it('variance of a missing row is its largest numeric value; non-numeric only → null', () => {
    expect(varianceOf(missing('missing_in_cloud', 'A', '-250.000'), inventory)).toBe('250.000');
    const statusOnly = mismatch('A', '1.000', '1.000', '0.000');
    statusOnly.fields = { status: { legacy: 'a', cloud: 'b' } };
    expect(varianceOf(statusOnly, inventory)).toBeNull();
  });

  it('of equal variances in other texts, the first in the difference’s own order is the one shown', () => {
    const mapping = {
      ...inventory,
      fields: { ...inventory.fields, reserved: { type: 'decimal' }, '2': { type: 'integer' } },
    } as typeof inventory;
    const key = { sku: 'A', location: 'DC-EAST' };
    const fields = (order: [string, string][]) =>
      Object.fromEntries(order.map(([f, delta]) => [f, { legacy: '0', cloud: delta, delta }]));
    const a = {
      type: 'mismatch',
      key,
      fields: fields([
        ['on_hand', '5.0'],
        ['reserved', '-5.00'],
      ]),
    } as const;
    const b = {
      type: 'mismatch',
      key,
      fields: fields([
        ['reserved', '-5.00'],
        ['on_hand', '5.0'],
      ]),
    } as const;
    expect(varianceOf(a as unknown as Difference, mapping)).toBe('5.0');
    expect(varianceOf(b as unknown as Difference, mapping)).toBe('5.00');
    // An integer-like field name comes first in an object's order, whatever the order it was set in.
    const c = {
      type: 'mismatch',
      key,
      fields: fields([
        ['on_hand', '7.0'],
        ['2', '7'],
      ]),
    } as const;
    expect(varianceOf(c as unknown as Difference, mapping)).toBe('7');
    const row = { ...key, on_hand: '-3.50', reserved: '3.5', status: 'x' };
    expect(varianceOf({ type: 'missing_in_cloud', key, legacy: row }, mapping)).toBe('3.50');
    expect(
      varianceOf(
        { type: 'missing_in_legacy', key, cloud: { ...key, reserved: '3.5', on_hand: '-3.50' } },
        mapping,
      ),
    ).toBe('3.5');
  });

  it('thresholds are absolute and exact (no floating point)', () => {
    const t = { high: '100', medium: '0.1' };
    expect(sizeSeverity('mismatch', '100.000', t)).toBe('high');
    expect(sizeSeverity('mismatch', '99.999999999999999999', t)).toBe('medium');
    expect(sizeSeverity('mismatch', '0.1', t)).toBe('medium');
    expect(sizeSeverity('mismatch', '0.09999999999999999999', t)).toBe('low');
    // defaults: high 1000, medium 1
    expect(sizeSeverity('mismatch', '999.99')).toBe('medium');
    expect(sizeSeverity('mismatch', '1000')).toBe('high');
    expect(sizeSeverity('mismatch', '0.5')).toBe('low');
    expect(sizeSeverity('duplicate_key', null)).toBe('high');
    expect(sizeSeverity('mismatch', null)).toBe('medium');
    expect(sizeSeverity('replay_parked', null)).toBe('low');
  });

  it('decimalGte agrees with BigInt comparison of scaled values', () => {
    const dec = fc
      .tuple(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.integer({ min: 0, max: 6 }))
      .map(([v, s]) => {
        const t = v.toString().padStart(s + 1, '0');
        return s ? `${t.slice(0, -s)}.${t.slice(-s)}` : t;
      });
    fc.assert(
      fc.property(dec, dec, (a, b) => {
        const scale = (x: string) =>
          BigInt(x.replace('.', '').padEnd(0)) * 10n ** BigInt(6 - (x.split('.')[1]?.length ?? 0));
        expect(decimalGte(a, b)).toBe(scale(a) >= scale(b));
      }),
    );
  });

  it('decimalGte: signs, leading and trailing zeros, -0 and loose text as the BigInt reading gives them', () => {
    // The reading decimalGte had before its plain-decimal fast path: the text trimmed, scaled to a
    // BigInt at the larger scale, anything unreadable 0.
    const reference = (a: string, b: string) => {
      const frac = (t: string) => (t.includes('.') ? t.length - t.indexOf('.') - 1 : 0);
      const scale = Math.max(frac(a), frac(b));
      const scaled = (t: string) => {
        const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(t.trim());
        if (!m) return 0n;
        const v = BigInt((m[2] || '0') + (m[3] ?? '').padEnd(scale, '0').slice(0, scale));
        return m[1] === '-' ? -v : v;
      };
      return scaled(a) >= scaled(b);
    };
    const text = fc.oneof(
      fc.stringMatching(/^-?0{0,3}[0-9]{1,5}(\.[0-9]{1,6})?$/),
      fc.stringMatching(/^[+-]?[0-9]{0,4}\.?[0-9]{0,4}$/),
      fc.constantFrom(
        '-0',
        '-0.000',
        '0',
        '0.0',
        '00.10',
        '-00.100',
        '1.',
        '.5',
        '+3',
        ' 2 ',
        'abc',
        '',
        '-',
        '1e3',
      ),
    );
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(decimalGte(a, b)).toBe(reference(a, b));
      }),
      { numRuns: 5000 },
    );
    expect(decimalGte('-0.000', '0')).toBe(true);
    expect(decimalGte('0', '-0')).toBe(true);
    expect(decimalGte('-1.5', '-1.50')).toBe(true);
    expect(decimalGte('-1.51', '-1.5')).toBe(false);
    expect(decimalGte('10.0', '9.999')).toBe(true);
    expect(decimalGte('0.05', '0.5')).toBe(false);
  });
});

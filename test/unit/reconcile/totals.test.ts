import { describe, it, expect } from 'vitest';
import {
  ControlTotals,
  isZeroFigure,
  mergeTotals,
  totalsFromMapping,
} from '../../../src/reconcilers/domains/totals.js';
import { MappingError } from '../../../src/errors.js';
import { mappingOf } from './mapping-fixture.js';

const inv = (totals: unknown[], extra: Record<string, unknown> = {}) =>
  mappingOf({
    key: ['sku', 'location'],
    fields: {
      sku: { type: 'string' },
      location: { type: 'string' },
      on_hand: { type: 'decimal', scale: 3 },
      unit_cost: { type: 'decimal', scale: 4 },
      qty: { type: 'integer' },
      status: { type: 'string' },
      ...extra,
    },
    totals,
  });

describe('control totals', () => {
  it('sums exactly where floating point drifts, and beyond 2^53', () => {
    const t = new ControlTotals(totalsFromMapping(inv([{ sum: ['on_hand', 'qty'] }])));
    const rows = Array.from({ length: 1000 }, () => ({ on_hand: '0.100', qty: '9007199254740993' }));
    t.add('legacy', rows);
    t.add('cloud', rows.slice(1));
    const lines = t.lines();
    expect(lines).toEqual([
      expect.objectContaining({
        field: 'on_hand',
        legacy: '100.000',
        cloud: '99.900',
        difference: '-0.100',
        scale: 3,
      }),
      expect.objectContaining({
        field: 'qty',
        legacy: '9007199254740993000',
        cloud: '8998192055486252007',
        difference: '-9007199254740993',
        scale: 0,
      }),
    ]);
  });

  it('sums value products exactly at the sum of the scales', () => {
    const t = new ControlTotals(
      totalsFromMapping(inv([{ sum: ['on_hand'], value: ['on_hand', 'unit_cost'] }])),
    );
    t.add('legacy', [
      { on_hand: '3.333', unit_cost: '1.0001' },
      { on_hand: '-1.000', unit_cost: '0.3333' },
      { on_hand: null, unit_cost: '5.0000' },
    ]);
    t.add('cloud', [{ on_hand: '3.333', unit_cost: '1.0001' }]);
    const value = t.lines().find((l) => l.field === 'on_hand*unit_cost')!;
    // 3.333 × 1.0001 = 3.3333333, − 1 × 0.3333 = 3.0000333
    expect(value).toMatchObject({
      legacy: '3.0000333',
      cloud: '3.3333333',
      difference: '0.3333000',
      scale: 7,
    });
    expect(value.group).toBe('on_hand, on_hand*unit_cost');
  });

  it('groups by canonical values, nulls first, code-point order, a side without the group at zero', () => {
    const t = new ControlTotals(
      totalsFromMapping(inv([{ by: ['location'], sum: ['on_hand'], count: true, label: 'qty' }])),
    );
    t.add('legacy', [
      { location: 'b', on_hand: '1.000' },
      { location: 'B', on_hand: '2.000' },
      { location: null, on_hand: '4.000' },
    ]);
    t.add('cloud', [{ location: 'a', on_hand: '8.000' }]);
    const lines = t.lines().filter((l) => l.field === 'on_hand');
    expect(lines.map((l) => [l.by.location, l.legacy, l.cloud, l.difference])).toEqual([
      [null, '4.000', '0.000', '-4.000'],
      ['B', '2.000', '0.000', '-2.000'],
      ['a', '0.000', '8.000', '8.000'],
      ['b', '1.000', '0.000', '-1.000'],
    ]);
    expect(lines.every((l) => l.group === 'qty')).toBe(true);
    expect(
      t
        .lines()
        .filter((l) => l.field === 'count')
        .map((l) => l.legacy),
    ).toEqual(['1', '1', '0', '1']);
  });

  it('sums a decimal that declares no scale at the most digits seen', () => {
    const t = new ControlTotals(
      totalsFromMapping(inv([{ sum: ['amount'] }], { amount: { type: 'decimal' } })),
    );
    t.add('legacy', [{ amount: '1.5' }, { amount: '2.25' }, { amount: '7' }]);
    t.add('cloud', [{ amount: '10.75' }]);
    expect(t.lines()[0]).toMatchObject({ legacy: '10.75', cloud: '10.75', difference: '0.00', scale: 2 });
  });

  it('shows a grand total of zero when no row was read', () => {
    const t = new ControlTotals(totalsFromMapping(inv([{ sum: ['on_hand'] }])));
    expect(t.lines()).toEqual([
      expect.objectContaining({ by: {}, legacy: '0.000', cloud: '0.000', difference: '0.000' }),
    ]);
  });

  it('refuses to sum a string field, and a total with nothing to add', () => {
    expect(() => totalsFromMapping(inv([{ sum: ['status'] }]))).toThrow(MappingError);
    expect(() => totalsFromMapping(inv([{ sum: ['status'] }]))).toThrow(/"status" is a string field/);
    expect(() => totalsFromMapping(inv([{ by: ['location'] }]))).toThrow(/adds nothing up/);
  });

  it('merges domain totals without repeating a measure the mapping already lists', () => {
    const base = totalsFromMapping(inv([{ by: ['location'], sum: ['on_hand'] }]));
    const extra = totalsFromMapping(
      inv([{ by: ['location'], sum: ['on_hand', 'qty'] }, { sum: ['on_hand'] }]),
    );
    const merged = mergeTotals(base, extra);
    expect(merged.map((d) => [d.group, d.measures.map((m) => m.name)])).toEqual([
      ['on_hand by location', ['on_hand']],
      ['qty by location', ['qty']], // relabelled: it holds only qty now
      ['on_hand', ['on_hand']],
    ]);
  });

  it('reads zero figures of any scale and sign', () => {
    expect(['0', '0.000', '-0.00'].every(isZeroFigure)).toBe(true);
    expect(['0.001', '-1', '10'].some(isZeroFigure)).toBe(false);
  });
});

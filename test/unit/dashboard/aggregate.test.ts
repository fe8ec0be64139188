import { describe, expect, it } from 'vitest';
import {
  absSum,
  absoluteSums,
  absoluteVariance,
  agingBucket,
  burnDown,
  groupDigits,
  groupNights,
} from '../../../src/dashboard/aggregate.js';
import { hours } from '../../../src/dashboard/render-html.js';

const now = new Date('2026-12-10T12:00:00.000Z');
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
const DAY = 86_400_000;

describe('agingBucket', () => {
  it('puts an item in 0–1 d, 1–3 d, 3–7 d or > 7 d; a bound belongs to the older bucket', () => {
    expect(agingBucket(ago(0), now)).toBe('0–1 d');
    expect(agingBucket(ago(DAY - 1), now)).toBe('0–1 d');
    expect(agingBucket(ago(DAY), now)).toBe('1–3 d');
    expect(agingBucket(ago(3 * DAY - 1), now)).toBe('1–3 d');
    expect(agingBucket(ago(3 * DAY), now)).toBe('3–7 d');
    expect(agingBucket(ago(7 * DAY - 1), now)).toBe('3–7 d');
    expect(agingBucket(ago(7 * DAY), now)).toBe('> 7 d');
    expect(agingBucket(ago(400 * DAY), now)).toBe('> 7 d');
  });
});

describe('groupNights', () => {
  it('starts a night when a mapping already reconciled in the current one runs again', () => {
    const nights = groupNights([
      { id: 'r4', name: 'inventory', startedAt: '2026-12-02T02:00:05.000Z' },
      { id: 'r1', name: 'inventory', startedAt: '2026-12-01T02:00:00.000Z' },
      { id: 'r2', name: 'refunds', startedAt: '2026-12-01T02:10:00.000Z' },
      { id: 'r3', name: 'refunds', startedAt: '2026-12-01T09:00:00.000Z' }, // a recheck the same day
      { id: 'r5', name: 'refunds', startedAt: '2026-12-02T02:05:00.000Z' },
    ]);
    expect(nights.map((n) => n.runIds)).toEqual([['r1', 'r2'], ['r3'], ['r4', 'r5']]);
    expect(nights.map((n) => [n.start, n.end])).toEqual([
      ['2026-12-01T02:00:00.000Z', '2026-12-01T09:00:00.000Z'],
      ['2026-12-01T09:00:00.000Z', '2026-12-02T02:00:05.000Z'],
      ['2026-12-02T02:00:05.000Z', undefined],
    ]);
    expect(nights.map((n) => n.label)).toEqual([
      '1 · 2026-12-01 02:00 UTC',
      '2 · 2026-12-01 09:00 UTC',
      '3 · 2026-12-02 02:00 UTC',
    ]);
    expect(groupNights([])).toEqual([]);
  });

  it('gives two nights for two passes on one evening (the demo)', () => {
    const at = (m: number) => `2026-12-02T03:${String(m).padStart(2, '0')}:00.000Z`;
    const names = ['inventory', 'refunds', 'postings'];
    const runs = [0, 1].flatMap((pass) =>
      names.map((name, i) => ({ id: `${pass}-${name}`, name, startedAt: at(pass * 10 + i) })),
    );
    expect(groupNights(runs).map((n) => n.runIds.length)).toEqual([3, 3]);
  });
});

describe('burnDown', () => {
  const nights = groupNights([
    { id: 'a', name: 'm', startedAt: '2026-12-08T02:00:00.000Z' },
    { id: 'b', name: 'm', startedAt: '2026-12-09T02:00:00.000Z' },
    { id: 'c', name: 'm', startedAt: '2026-12-10T02:00:00.000Z' },
  ]);

  it('counts per night the items opened, those resolved or ignored, and the backlog at its end', () => {
    const items = [
      { id: 1, firstSeen: '2026-12-08T02:01:00.000Z' }, // resolved night 2
      { id: 2, firstSeen: '2026-12-08T02:01:00.000Z' }, // ignored night 3
      { id: 3, firstSeen: '2026-12-08T02:01:00.000Z' }, // assigned night 2, stays in the backlog
      { id: 4, firstSeen: '2026-12-09T02:01:00.000Z' }, // resolved night 2, reopened night 3
      { id: 5, firstSeen: '2026-12-10T02:01:00.000Z' }, // opened last night
    ];
    const changes = [
      { exceptionId: 1, at: '2026-12-08T02:01:00.000Z', toStatus: 'open' },
      { exceptionId: 1, at: '2026-12-09T02:02:00.000Z', toStatus: 'resolved' },
      { exceptionId: 2, at: '2026-12-10T08:00:00.000Z', toStatus: 'ignored' },
      { exceptionId: 3, at: '2026-12-09T10:00:00.000Z', toStatus: 'assigned' },
      { exceptionId: 4, at: '2026-12-09T03:00:00.000Z', toStatus: 'resolved' },
      { exceptionId: 4, at: '2026-12-10T02:03:00.000Z', toStatus: 'open' },
    ];
    expect(burnDown(nights, items, changes, now)).toEqual([
      { night: '1 · 2026-12-08 02:00 UTC', opened: 3, resolved: 0, backlog: 3 },
      { night: '2 · 2026-12-09 02:00 UTC', opened: 1, resolved: 2, backlog: 2 },
      { night: '3 · 2026-12-10 02:00 UTC', opened: 1, resolved: 1, backlog: 3 },
    ]);
  });

  it('counts a change exactly at a night’s start in that night, not the one before', () => {
    const items = [{ id: 1, firstSeen: '2026-12-08T02:00:00.000Z' }];
    const changes = [{ exceptionId: 1, at: '2026-12-09T02:00:00.000Z', toStatus: 'resolved' }];
    expect(burnDown(nights, items, changes, now).map((p) => [p.opened, p.resolved, p.backlog])).toEqual([
      [1, 0, 1],
      [0, 1, 0],
      [0, 0, 0],
    ]);
  });
});

describe('exact sums', () => {
  it('sums |line difference| per control total at the largest scale, so offsetting errors do not net away', () => {
    const v = absoluteVariance([
      { group: 'on_hand by location', field: 'on_hand', difference: '-12.5' },
      { group: 'on_hand by location', field: 'on_hand', difference: '12.50' },
      { group: 'on_hand by location', field: 'on_hand', difference: '0.001' },
      { group: 'value', field: 'on_hand*unit_cost', difference: '0.1' },
      { group: 'value', field: 'on_hand*unit_cost', difference: '0.2' },
    ]);
    expect(Object.fromEntries(v)).toEqual({
      'on_hand by location: on_hand': '25.001',
      'value: on_hand*unit_cost': '0.3', // 0.1 + 0.2 in floating point would be 0.30000000000000004
    });
    expect(absSum(['99999999999999999.99', '-0.01'])).toBe('100000000000000000.00');
    expect(absSum([])).toBe('0');
    expect(absSum(['n/a', '-3'])).toBe('3');
  });

  it('sums the manual items’ amounts per column as |value|', () => {
    expect(absoluteSums([{ amount: '-10.10', tax: '1.5' }, { amount: '0.90' }])).toEqual({
      amount: '11.00',
      tax: '1.5',
    });
  });

  it('groups digits as the workbook shows them and keeps the scale', () => {
    expect(groupDigits('1234567.50')).toBe('1,234,567.50');
    expect(groupDigits('-1000')).toBe('-1,000');
    expect(groupDigits(999)).toBe('999');
    expect(groupDigits('12345.6789')).toBe('12,345.6789');
    expect(groupDigits('n/a')).toBe('n/a');
  });

  it('turns milliseconds into hours at 2 decimals, rounding half up exactly', () => {
    expect(hours(0)).toBe('0.00');
    expect(hours(3_600_000)).toBe('1.00');
    expect(hours(18_000)).toBe('0.01'); // 0.005 h rounds up
    expect(hours(17_999)).toBe('0.00');
    expect(hours(90 * 3_600_000 + 1_800_000)).toBe('90.50');
  });
});

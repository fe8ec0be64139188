import { describe, expect, it } from 'vitest';
import { CycleTimes, nearestRank } from '../../../src/reconcilers/domains/cycle-time.js';
import { domainCheckFor } from '../../../src/reconcilers/domains/domain-check.js';
import { mappingOf } from '../reconcile/mapping-fixture.js';

describe('nearestRank', () => {
  it('is the smallest value with at least p% of the values at or below it', () => {
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(nearestRank(ten, 50)).toBe(5);
    expect(nearestRank(ten, 90)).toBe(9);
    expect(nearestRank(ten, 91)).toBe(10);
    expect(nearestRank(ten, 100)).toBe(10);
    expect(nearestRank(ten, 0)).toBe(1);
    expect(nearestRank([7], 50)).toBe(7);
    // n = 3: p50 is rank 2, p90 rank 3 (⌈2.7⌉).
    expect(nearestRank([10, 20, 30], 50)).toBe(20);
    expect(nearestRank([10, 20, 30], 90)).toBe(30);
    // Large values stay exact: every percentile is an observed value.
    const big = [2 ** 52 + 1, 2 ** 52 + 3, 2 ** 52 + 5, 2 ** 52 + 7];
    expect(nearestRank(big, 50)).toBe(2 ** 52 + 3);
    expect(() => nearestRank([], 50)).toThrow(RangeError);
  });
});

describe('CycleTimes', () => {
  const h = (n: number) => n * 3_600_000;
  const row = (requested: string, hoursLater: number, channel: string | null) => ({
    requested_at: requested,
    refunded_at: new Date(Date.parse(requested) + h(hoursLater)).toISOString(),
    channel,
  });

  it('gives p50/p90 per side and per channel, leaves out and counts refunds refunded before requested', () => {
    const c = new CycleTimes({ requestedAt: 'requested_at', refundedAt: 'refunded_at', channel: 'channel' });
    const t = '2026-12-01T10:00:00.000Z';
    c.add('legacy', [row(t, 1, 'store'), row(t, 2, 'store'), row(t, 3, 'web'), row(t, 4, 'web')]);
    c.add('cloud', [
      row(t, 2, 'store'),
      row(t, 4, 'store'),
      row(t, 6, 'web'),
      row(t, 8, 'web'),
      row(t, -1, 'web'),
      { requested_at: null, refunded_at: t, channel: 'web' },
    ]);
    expect(c.summary()).toEqual([
      { side: 'cloud', channel: null, refunds: 4, negative: 1, p50Ms: h(4), p90Ms: h(8) },
      { side: 'cloud', channel: 'store', refunds: 2, negative: 0, p50Ms: h(2), p90Ms: h(4) },
      { side: 'cloud', channel: 'web', refunds: 2, negative: 1, p50Ms: h(6), p90Ms: h(8) },
      { side: 'legacy', channel: null, refunds: 4, negative: 0, p50Ms: h(2), p90Ms: h(4) },
      { side: 'legacy', channel: 'store', refunds: 2, negative: 0, p50Ms: h(1), p90Ms: h(2) },
      { side: 'legacy', channel: 'web', refunds: 2, negative: 0, p50Ms: h(3), p90Ms: h(4) },
    ]);
  });

  it('without a channel field, one line per side', () => {
    const c = new CycleTimes({ requestedAt: 'requested_at', refundedAt: 'refunded_at' });
    c.add('legacy', [row('2026-12-01T10:00:00Z', 5, 'web')]);
    expect(c.summary()).toEqual([
      { side: 'legacy', channel: null, refunds: 1, negative: 0, p50Ms: h(5), p90Ms: h(5) },
    ]);
  });
});

describe('refunds domain with requested_at', () => {
  it('reports the cycle time per side and channel in checks.cycleTime', () => {
    const mapping = mappingOf({
      domain: 'refunds',
      key: ['refund_id'],
      fields: {
        refund_id: { type: 'string' },
        amount: { type: 'decimal', scale: 2 },
        status: { type: 'string' },
        channel: { type: 'string' },
        requested_at: { type: 'timestamp' },
        refunded_at: { type: 'timestamp' },
      },
    });
    const domain = domainCheckFor(mapping)!;
    const r = (id: string, channel: string, requested: string, refunded: string) => ({
      refund_id: id,
      amount: '1.00',
      status: 'refunded',
      channel,
      requested_at: requested,
      refunded_at: refunded,
    });
    domain.add?.('legacy', [
      r('1', 'web', '2026-11-20T10:00:00.000Z', '2026-11-20T11:00:00.000Z'),
      r('2', 'store', '2026-11-20T10:00:00.000Z', '2026-11-20T10:30:00.000Z'),
    ]);
    domain.add?.('cloud', [
      r('1', 'web', '2026-11-20T10:00:00.000Z', '2026-11-21T10:00:00.000Z'),
      r('2', 'store', '2026-11-20T10:00:00.000Z', '2026-11-20T10:30:00.000Z'),
    ]);
    const { checks } = domain.finish([]);
    const cycle = checks.cycleTime as {
      side: string;
      channel: string | null;
      p50Ms: number;
      p90Ms: number;
    }[];
    expect(cycle.map((c) => [c.side, c.channel, c.p50Ms, c.p90Ms])).toEqual([
      ['cloud', null, 1_800_000, 86_400_000],
      ['cloud', 'store', 1_800_000, 1_800_000],
      ['cloud', 'web', 86_400_000, 86_400_000],
      ['legacy', null, 1_800_000, 3_600_000],
      ['legacy', 'store', 1_800_000, 1_800_000],
      ['legacy', 'web', 3_600_000, 3_600_000],
    ]);
  });
});

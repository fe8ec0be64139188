import { describe, it, expect } from 'vitest';
import { RunTaps, type TapSpec } from '../../../src/reconcilers/run-taps.js';
import type { Mapping } from '../../../src/config/mapping-schema.js';
import type { CanonicalRow, Side } from '../../../src/reconcilers/types.js';
import { mappingOf } from './mapping-fixture.js';

/**
 * What the reader threads do: each side fed to a RunTaps of its own (its thread's), exported, posted
 * (structured clone) and imported into the main thread's. The result must equal one RunTaps fed both
 * sides on one thread, whatever the split of the rows into batches.
 */
function bothWays(mapping: Mapping, spec: TapSpec, rows: Record<Side, CanonicalRow[]>) {
  const one = new RunTaps(mapping, spec);
  const main = new RunTaps(mapping, spec);
  for (const side of ['legacy', 'cloud'] as const) {
    // One thread, in batches of 2.
    for (let i = 0; i < rows[side].length; i += 2) one.add(side, rows[side].slice(i, i + 2));
    const reader = new RunTaps(mapping, spec);
    for (let i = 0; i < rows[side].length; i += 3) reader.add(side, rows[side].slice(i, i + 3));
    main.importSide(side, structuredClone(reader.exportSide(side)));
  }
  const result = (t: RunTaps) => {
    const lines = t.totals.lines();
    return { lines, found: t.domain?.finish(lines), young: [...t.young].sort(), skipped: t.skipped };
  };
  return { single: result(one), threads: result(main) };
}

describe('RunTaps across reader threads', () => {
  it('postings: trial balance, journal balances and a decimal of open scale merge exactly', () => {
    const mapping = mappingOf({
      domain: 'postings',
      key: ['journal', 'line'],
      fields: {
        journal: { type: 'string' },
        line: { type: 'integer' },
        account: { type: 'string' },
        period: { type: 'string' },
        // No scale: the figures are shown at the most digits seen, on either thread.
        amount: { type: 'decimal' },
      },
      totals: [{ sum: ['amount'], by: ['account'] }, { count: true }],
    });
    const row = (journal: string, line: number, account: string, amount: string | null): CanonicalRow => ({
      journal,
      line: String(line),
      account,
      period: '2026-11',
      amount,
    });
    const rows = {
      legacy: [
        row('J1', 1, '4000', '100.5'),
        row('J1', 2, '1200', '-100.5'),
        row('J2', 1, '4000', '0.125'),
        row('J2', 2, '1200', '-0.12'), // unbalanced by 0.005
        row('J3', 1, '9999', null),
      ],
      cloud: [
        row('J1', 1, '4000', '100.50'),
        row('J1', 2, '1200', '-100.50'),
        row('J2', 1, '4000', '0.1234567'), // more digits on this side only
        row('J2', 2, '1200', '-0.1234567'),
        row('J4', 1, '4000', '7'),
      ],
    };
    const { single, threads } = bothWays(mapping, { domain: true }, rows);
    expect(threads).toEqual(single);
    // The open scale is the cloud thread's 7 digits, in the legacy figures too.
    const tb = threads.lines.find((l) => l.field === 'amount' && l.by.account === '4000');
    expect(tb).toMatchObject({ legacy: '100.6250000', cloud: '107.6234567', scale: 7 });
    expect(threads.found?.checks).toMatchObject({ unbalancedJournals: { legacy: 1, cloud: 1 } });
  });

  it('refunds: totals by status and day, and cycle times per channel merge exactly', () => {
    const mapping = mappingOf({
      domain: 'refunds',
      key: ['refund_id'],
      fields: {
        refund_id: { type: 'string' },
        amount: { type: 'decimal', scale: 2 },
        currency: { type: 'string' },
        status: { type: 'string' },
        channel: { type: 'string' },
        requested_at: { type: 'timestamp' },
        refunded_at: { type: 'timestamp' },
      },
    });
    const r = (id: string, amount: string, channel: string, mins: number, status = 'done'): CanonicalRow => ({
      refund_id: id,
      amount,
      currency: 'EUR',
      status,
      channel,
      requested_at: '2026-11-30T10:00:00.000000Z',
      refunded_at: new Date(Date.parse('2026-11-30T10:00:00Z') + mins * 60_000).toISOString(),
    });
    const rows = {
      legacy: [
        r('1', '10.00', 'web', 5),
        r('2', '3.10', 'store', 90),
        r('3', '0.01', 'web', -1),
        r('4', '5.00', 'web', 30),
      ],
      cloud: [r('1', '10.00', 'web', 6), r('2', '3.01', 'store', 80, 'open'), r('5', '2.00', 'web', 1)],
    };
    const { single, threads } = bothWays(mapping, { domain: true }, rows);
    expect(threads).toEqual(single);
    expect(threads.found?.checks.cycleTime).toContainEqual(
      expect.objectContaining({ side: 'legacy', channel: 'web', refunds: 2, negative: 1 }),
    );
  });

  it('the settle window: young keys and skipped rows of both threads add up', () => {
    const mapping = mappingOf({
      key: ['sku'],
      fields: { sku: { type: 'string' }, qty: { type: 'integer' }, updated_at: { type: 'timestamp' } },
      totals: [{ sum: ['qty'] }],
    });
    const at = (h: number) => `2026-12-01T${String(h).padStart(2, '0')}:00:00.000000Z`;
    const cutoff = BigInt(Date.parse('2026-12-01T12:00:00Z')) * 1000n;
    const spec: TapSpec = {
      domain: false,
      settle: { field: 'updated_at', cutoff: { legacy: cutoff, cloud: cutoff - 3_600_000_000n } },
    };
    const rows = {
      legacy: ['A', 'B', 'C'].map((sku, i) => ({ sku, qty: String(i), updated_at: at(10 + i) })),
      cloud: ['A', 'B', 'D'].map((sku, i) => ({ sku, qty: String(i * 2), updated_at: at(10 + i) })),
    };
    const { single, threads } = bothWays(mapping, spec, rows);
    expect(threads).toEqual(single);
    // Legacy: C at 12:00 is at the cutoff; cloud (an hour earlier): B at 11:00 and D at 12:00.
    expect(threads.young).toEqual(['["B"]', '["C"]', '["D"]']);
    expect(threads.skipped).toEqual({ legacy: 1, cloud: 2 });
  });
});

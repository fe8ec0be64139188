import { describe, it, expect } from 'vitest';
import { domainCheckFor } from '../../../src/reconcilers/domains/domain-check.js';
import { ControlTotals, mergeTotals, totalsFromMapping } from '../../../src/reconcilers/domains/totals.js';
import { buildNormalizer } from '../../../src/reconcilers/normalize.js';
import { MappingError } from '../../../src/errors.js';
import type { Mapping } from '../../../src/config/mapping-schema.js';
import type { CanonicalRow } from '../../../src/reconcilers/types.js';
import { mappingOf } from './mapping-fixture.js';

/** Feeds both sides through the mapping's totals and domain check, as run-reconcile does. */
function run(mapping: Mapping, legacy: CanonicalRow[], cloud: CanonicalRow[]) {
  const domain = domainCheckFor(mapping)!;
  const totals = new ControlTotals(mergeTotals(totalsFromMapping(mapping), domain.totals));
  for (const [side, rows] of [
    ['legacy', legacy],
    ['cloud', cloud],
  ] as const) {
    totals.add(side, rows);
    domain.add?.(side, rows);
  }
  const lines = totals.lines();
  return { lines, ...domain.finish(lines) };
}

describe('inventory domain', () => {
  const mapping = (extra: Record<string, unknown> = {}, totals?: unknown[]) =>
    mappingOf({
      domain: 'inventory',
      key: ['sku', 'location'],
      fields: {
        sku: { type: 'string' },
        location: { type: 'string' },
        on_hand: { type: 'decimal', scale: 3 },
        unit_cost: { type: 'decimal', scale: 4 },
        ...extra,
      },
      totals,
    });

  it('totals on hand and reserved by location and values the stock per side', () => {
    const m = mapping({ reserved: { type: 'decimal', scale: 3 } });
    const r = run(
      m,
      [
        { sku: 'A', location: 'DC-EAST', on_hand: '10.000', reserved: '1.000', unit_cost: '2.5000' },
        { sku: 'A', location: 'DC-EAST', on_hand: '10.000', reserved: '1.000', unit_cost: '2.5000' }, // duplicate: counted
        { sku: 'B', location: 'DC-WEST', on_hand: '0.500', reserved: null, unit_cost: '1.0001' },
      ],
      [{ sku: 'A', location: 'DC-EAST', on_hand: '9.000', reserved: '1.000', unit_cost: '2.5000' }],
    );
    const get = (group: string, field: string, loc?: string) =>
      r.lines.find(
        (l) => l.group === group && l.field === field && (loc === undefined || l.by.location === loc),
      );
    expect(get('on_hand, reserved by location', 'on_hand', 'DC-EAST')).toMatchObject({
      legacy: '20.000',
      cloud: '9.000',
      difference: '-11.000',
    });
    expect(get('on_hand, reserved by location', 'reserved', 'DC-WEST')).toMatchObject({
      legacy: '0.000',
      cloud: '0.000',
    });
    // 10 × 2.5 × 2 + 0.5 × 1.0001 = 50.50005
    expect(get('inventory value', 'on_hand*unit_cost')).toMatchObject({
      legacy: '50.5000500',
      cloud: '22.5000000',
      difference: '-28.0000500',
    });
    expect(r.checks).toEqual({
      locations: { total: 2, differing: 2 },
      inventoryValue: { legacy: '50.5000500', cloud: '22.5000000', difference: '-28.0000500' },
    });
    expect(r.differences).toEqual([]);
  });

  it('does not repeat the totals the mapping lists itself', () => {
    const m = mapping({}, [
      { by: ['location'], sum: ['on_hand'] },
      { sum: ['on_hand'], value: ['on_hand', 'unit_cost'] },
    ]);
    const r = run(m, [{ sku: 'A', location: 'X', on_hand: '1.000', unit_cost: '1.0000' }], []);
    expect(r.lines.filter((l) => l.field === 'on_hand*unit_cost')).toHaveLength(1);
    expect(r.lines.filter((l) => l.field === 'on_hand' && l.by.location === 'X')).toHaveLength(1);
    expect(r.checks.inventoryValue).toMatchObject({ legacy: '1.0000000' });
  });

  it('needs location and on_hand', () => {
    expect(() =>
      domainCheckFor(mappingOf({ domain: 'inventory', key: ['sku'], fields: { sku: { type: 'string' } } })),
    ).toThrow(/needs the fields "location", "on_hand"/);
  });
});

describe('refunds domain', () => {
  const mapping = (currency: boolean) =>
    mappingOf({
      domain: 'refunds',
      key: ['refund_id'],
      fields: {
        refund_id: { type: 'string' },
        amount: { type: 'decimal', scale: 2, currency: 'USD' },
        status: { type: 'string' },
        refunded_at: { type: 'timestamp' },
        ...(currency ? { currency: { type: 'string' } } : {}),
      },
    });

  it('totals amount and count by status and by UTC day, and the variance in the declared currency', () => {
    const r = run(
      mapping(false),
      [
        { refund_id: '1', amount: '10.00', status: 'refunded', refunded_at: '2026-11-20T23:59:59.000Z' },
        { refund_id: '2', amount: '5.55', status: 'refunded', refunded_at: '2026-11-21T00:00:00.000Z' },
        { refund_id: '3', amount: '1.00', status: 'held', refunded_at: '2026-11-21T10:00:00.000Z' },
      ],
      [
        { refund_id: '1', amount: '10.00', status: 'refunded', refunded_at: '2026-11-20T23:59:59.000Z' },
        { refund_id: '2', amount: '5.56', status: 'refunded', refunded_at: '2026-11-21T00:00:00.000Z' },
      ],
    );
    const pick = (group: string, field: string) =>
      r.lines
        .filter((l) => l.group === group && l.field === field)
        .map((l) => [Object.values(l.by).join('/'), l.legacy, l.cloud]);
    expect(pick('amount by status', 'amount')).toEqual([
      ['held', '1.00', '0.00'],
      ['refunded', '15.55', '15.56'],
    ]);
    expect(pick('amount by status', 'count')).toEqual([
      ['held', '1', '0'],
      ['refunded', '2', '2'],
    ]);
    expect(pick('amount by day', 'amount')).toEqual([
      ['2026-11-20', '10.00', '10.00'],
      ['2026-11-21', '6.55', '5.56'],
    ]);
    expect(r.checks).toEqual({
      amountVariance: [{ currency: 'USD', legacy: '16.55', cloud: '15.56', difference: '-0.99' }],
    });
  });

  it('keeps currencies apart when there is a currency field', () => {
    const r = run(
      mapping(true),
      [
        {
          refund_id: '1',
          amount: '10.00',
          status: 'refunded',
          refunded_at: '2026-11-20T10:00:00.000Z',
          currency: 'USD',
        },
        {
          refund_id: '2',
          amount: '7.00',
          status: 'refunded',
          refunded_at: '2026-11-20T10:00:00.000Z',
          currency: 'CAD',
        },
      ],
      [
        {
          refund_id: '1',
          amount: '10.00',
          status: 'refunded',
          refunded_at: '2026-11-20T10:00:00.000Z',
          currency: 'USD',
        },
      ],
    );
    expect(r.checks.amountVariance).toEqual([
      { currency: 'CAD', legacy: '7.00', cloud: '0.00', difference: '-7.00' },
      { currency: 'USD', legacy: '10.00', cloud: '10.00', difference: '0.00' },
    ]);
    expect(r.lines.find((l) => l.group === 'amount by status' && l.by.currency === 'CAD')).toBeDefined();
  });
});

describe('postings domain', () => {
  const signedMapping = () =>
    mappingOf({
      domain: 'postings',
      key: ['journal', 'line'],
      fields: {
        journal: { type: 'string' },
        line: { type: 'integer' },
        account: { type: 'string' },
        posting_date: { type: 'date' },
        amount: { type: 'decimal', scale: 2 },
      },
    });

  it('finds a journal that does not balance on one side (signed amounts) and compares the trial balance', () => {
    const legacy = [
      { journal: 'J1', line: '1', account: '1000', posting_date: '2026-11-20', amount: '100.00' },
      { journal: 'J1', line: '2', account: '4000', posting_date: '2026-11-20', amount: '-100.00' },
      { journal: 'J2', line: '1', account: '1000', posting_date: '2026-12-01', amount: '50.00' },
      { journal: 'J2', line: '2', account: '4000', posting_date: '2026-12-01', amount: '-50.00' },
    ];
    const cloud = [
      ...legacy.slice(0, 3),
      { journal: 'J2', line: '2', account: '4000', posting_date: '2026-12-01', amount: '-49.99' },
    ];
    const r = run(signedMapping(), legacy, cloud);
    expect(r.differences).toEqual([
      {
        type: 'unbalanced_journal',
        key: { journal: 'J2' },
        side: 'cloud',
        balance: { debit: '50.00', credit: '49.99', difference: '0.01' },
      },
    ]);
    expect(r.checks).toEqual({
      journals: { legacy: 2, cloud: 2 },
      unbalancedJournals: { legacy: 0, cloud: 1 },
    });
    const tb = r.lines.filter((l) => l.group === 'trial balance');
    expect(tb.map((l) => [l.by.account, l.by.period, l.legacy, l.cloud, l.difference])).toEqual([
      ['1000', '2026-11', '100.00', '100.00', '0.00'],
      ['1000', '2026-12', '50.00', '50.00', '0.00'],
      ['4000', '2026-11', '-100.00', '-100.00', '0.00'],
      ['4000', '2026-12', '-50.00', '-49.99', '0.01'],
    ]);
  });

  it('balances debit and credit columns of different scales, by period', () => {
    const m = mappingOf({
      domain: 'postings',
      key: ['journal', 'line'],
      fields: {
        journal: { type: 'string' },
        line: { type: 'integer' },
        account: { type: 'string' },
        period: { type: 'string' },
        debit: { type: 'decimal', scale: 2 },
        credit: { type: 'decimal', scale: 3 },
      },
    });
    const r = run(
      m,
      [
        { journal: 'J9', line: '1', account: '1000', period: '2026-11', debit: '10.00', credit: null },
        { journal: 'J9', line: '2', account: '2000', period: '2026-11', debit: null, credit: '10.001' },
        { journal: 'J8', line: '1', account: '1000', period: '2026-11', debit: '1.00', credit: '0.000' },
        { journal: 'J8', line: '2', account: '2000', period: '2026-11', debit: '0.00', credit: '1.000' },
      ],
      [],
    );
    expect(r.differences).toEqual([
      {
        type: 'unbalanced_journal',
        key: { journal: 'J9' },
        side: 'legacy',
        balance: { debit: '10.000', credit: '10.001', difference: '-0.001' },
      },
    ]);
    expect(r.lines.filter((l) => l.group === 'trial balance').map((l) => [l.by.account, l.legacy])).toEqual([
      ['1000', '11.000'],
      ['2000', '-11.001'],
    ]);
  });

  it('signs an unsigned amount from a debit/credit indicator (signFrom) before balancing', () => {
    const m = mappingOf({
      domain: 'postings',
      key: ['journal', 'line'],
      fields: {
        journal: { type: 'string' },
        line: { type: 'integer' },
        account: { type: 'string' },
        posting_date: { type: 'date' },
        amount: { type: 'decimal', scale: 2 },
      },
      legacyColumns: {
        journal: 'BELNR',
        line: 'BUZEI',
        account: 'HKONT',
        posting_date: 'BUDAT',
        amount: { column: 'DMBTR', signFrom: { column: 'SHKZG', negative: 'H' } },
      },
    });
    const norm = buildNormalizer(m, 'legacy');
    const raw: Record<string, unknown>[] = [
      { BELNR: '100', BUZEI: 1n, HKONT: '1000', BUDAT: '2026-11-20', DMBTR: '25.00', SHKZG: 'S' },
      { BELNR: '100', BUZEI: 2n, HKONT: '4000', BUDAT: '2026-11-20', DMBTR: '25.00', SHKZG: 'H' },
      { BELNR: '101', BUZEI: 1n, HKONT: '1000', BUDAT: '2026-11-20', DMBTR: '5.00', SHKZG: 'S' },
      { BELNR: '101', BUZEI: 2n, HKONT: '4000', BUDAT: '2026-11-20', DMBTR: '5.00', SHKZG: 'S' }, // wrong indicator
    ];
    const legacy = raw.map((r) => norm.normalize(norm.columns.map((c) => r[c] as never)));
    expect(legacy.map((r) => r.amount)).toEqual(['25.00', '-25.00', '5.00', '5.00']);
    const r = run(m, legacy, []);
    expect(r.differences).toEqual([
      expect.objectContaining({
        key: { journal: '101' },
        side: 'legacy',
        balance: { debit: '10.00', credit: '0.00', difference: '10.00' },
      }),
    ]);
    expect(r.checks.unbalancedJournals).toEqual({ legacy: 1, cloud: 0 });
  });

  it('needs a period or posting date, and an amount or debit and credit', () => {
    const base = { journal: { type: 'string' }, account: { type: 'string' } };
    expect(() =>
      domainCheckFor(
        mappingOf({ domain: 'postings', key: ['journal'], fields: { ...base, amount: { type: 'decimal' } } }),
      ),
    ).toThrow(MappingError);
    expect(() =>
      domainCheckFor(
        mappingOf({
          domain: 'postings',
          key: ['journal'],
          fields: { ...base, period: { type: 'string' }, debit: { type: 'decimal' } },
        }),
      ),
    ).toThrow(/both "debit" and "credit"/);
  });
});

describe('roles: the fields that play a domain role', () => {
  it('postings: journal, account, posting_date and amount under other names give the same balance check', () => {
    const m = mappingOf({
      domain: 'postings',
      key: ['doc', 'line'],
      fields: {
        doc: { type: 'string' },
        line: { type: 'integer' },
        gl: { type: 'string' },
        booked: { type: 'date' },
        value: { type: 'decimal', scale: 2 },
      },
    });
    m.roles = { journal: 'doc', account: 'gl', posting_date: 'booked', amount: 'value' };
    const legacy = [
      { doc: 'J1', line: '1', gl: '1000', booked: '2026-11-20', value: '100.00' },
      { doc: 'J1', line: '2', gl: '4000', booked: '2026-11-20', value: '-100.00' },
    ];
    const cloud = [legacy[0]!, { ...legacy[1]!, value: '-99.99' }];
    const r = run(m, legacy, cloud);
    expect(r.differences).toEqual([
      {
        type: 'unbalanced_journal',
        key: { journal: 'J1' },
        side: 'cloud',
        balance: { debit: '100.00', credit: '99.99', difference: '0.01' },
      },
    ]);
    expect(r.lines.find((l) => l.by.gl === '4000')).toMatchObject({ legacy: '-100.00', cloud: '-99.99' });
  });

  it('refunds: the amount and refunded_at roles under other names', () => {
    const m = mappingOf({
      domain: 'refunds',
      key: ['rma'],
      fields: {
        rma: { type: 'string' },
        total: { type: 'decimal', scale: 2, currency: 'EUR' },
        state: { type: 'string' },
        paid_at: { type: 'timestamp' },
      },
    });
    m.roles = { amount: 'total', status: 'state', refunded_at: 'paid_at' };
    const row = { rma: '1', total: '10.00', state: 'refunded', paid_at: '2026-11-20T10:00:00.000Z' };
    const r = run(m, [row], [{ ...row, total: '10.01' }]);
    expect(r.checks).toMatchObject({
      amountVariance: [{ currency: 'EUR', legacy: '10.00', cloud: '10.01', difference: '0.01' }],
    });
    expect(r.lines.find((l) => l.group === 'amount by day')).toMatchObject({ by: { day: '2026-11-20' } });
  });
});

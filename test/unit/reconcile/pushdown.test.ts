// What checksum pushdown may push down (issue 15, part 3): the forms each field gets, every reason a
// mapping streams instead, the column kinds each form needs, and the control totals it computes in SQL.
import { describe, expect, it } from 'vitest';
import type { Adapter, ColumnKind } from '../../../src/adapters/types.js';
import { ControlTotals, totalsFromMapping } from '../../../src/reconcilers/domains/totals.js';
import {
  bucketBits,
  checkPushdownColumns,
  planPushdown,
  planTotals,
} from '../../../src/reconcilers/pushdown.js';
import { mappingOf } from './mapping-fixture.js';

const FIELDS = {
  sku: { type: 'string' },
  loc: { type: 'string', trim: true },
  qty: { type: 'decimal', scale: 3 },
  n: { type: 'integer' },
  cost: { type: 'decimal', scale: 2, round: 'half-even' },
  at: { type: 'timestamp' },
  note: { type: 'string', compare: false },
};
const NO_RUN = { window: false, settle: false };

function planOf(m: Parameters<typeof mappingOf>[0], run = NO_RUN, timezone?: string) {
  return planPushdown(mappingOf(m), timezone ? { cloud: { name: 'cloud', url: 'x', timezone } } : {}, run);
}

/** An adapter whose columns all have one kind. */
function adapterOf(kind: ColumnKind, extra: Partial<Adapter> = {}): Adapter {
  return {
    dialect: 'postgres',
    columnKinds: async (req: { columns: string[] }) => req.columns.map(() => kind),
    checksums: async () => [],
    ...extra,
  } as unknown as Adapter;
}

describe('planPushdown', () => {
  it('writes key fields first, then every compared field, each with its form', () => {
    const plan = planOf({ key: ['sku', 'loc'], fields: FIELDS });
    if ('reason' in plan) throw new Error(plan.reason);
    expect(plan.specs.legacy.key).toEqual([
      { column: 'sku', form: 'string', trim: false },
      { column: 'loc', form: 'string', trim: true },
    ]);
    expect(plan.specs.legacy.fields).toEqual([
      { column: 'qty', form: 'number', scale: 3, round: 'half-up' },
      { column: 'n', form: 'number', scale: 0 },
      // half-even: no engine rounds so; a value with more digits gets the side's marker.
      { column: 'cost', form: 'number', scale: 2 },
      { column: 'at', form: 'timestamp' },
    ]);
    // compare: false is left out of the row text, but totals may still read it.
    expect(plan.fields.legacy.get('note')).toEqual({ column: 'note', form: 'string', trim: false });
  });

  it.each([
    ['a window', { key: ['sku'], fields: FIELDS }, { window: true, settle: false }, /--since\/--until/],
    ['a settle window', { key: ['sku'], fields: FIELDS }, { window: false, settle: true }, /settle/],
    [
      'the postings domain',
      { key: ['sku'], fields: FIELDS, domain: 'postings' as const },
      NO_RUN,
      /postings domain/,
    ],
    [
      'a map',
      { key: ['sku'], fields: FIELDS, legacyColumns: { loc: { column: 'loc', map: { a: 'b' } } } },
      NO_RUN,
      /legacy\.columns\.loc maps values/,
    ],
    [
      'a case change',
      { key: ['sku'], fields: { ...FIELDS, sku: { type: 'string', case: 'upper' } } },
      NO_RUN,
      /changes case/,
    ],
    [
      'nullAs',
      { key: ['sku'], fields: { ...FIELDS, qty: { type: 'decimal', scale: 3, nullAs: 0 } } },
      NO_RUN,
      /NULL as a value/,
    ],
    [
      'a multiply',
      { key: ['sku'], fields: FIELDS, cloudColumns: { qty: { column: 'q', multiply: '12' } } },
      NO_RUN,
      /multiplies/,
    ],
    ['a constant', { key: ['sku'], fields: FIELDS, cloudColumns: { n: { value: 1 } } }, NO_RUN, /constant/],
    [
      'an open decimal',
      { key: ['sku'], fields: { ...FIELDS, qty: { type: 'decimal' } } },
      NO_RUN,
      /declares no scale/,
    ],
  ])('streams a mapping with %s, saying why', (_label, m, run, reason) => {
    const plan = planOf(m, run);
    expect('reason' in plan && plan.reason).toMatch(reason);
  });

  it('names the zone of naive timestamps (the column, else the side, else the connection)', () => {
    const plan = planOf(
      { key: ['sku'], fields: FIELDS, legacyTimezone: 'Europe/Berlin' },
      NO_RUN,
      'Asia/Tokyo',
    );
    if ('reason' in plan) throw new Error(plan.reason);
    expect(plan.fields.legacy.get('at')).toMatchObject({ zone: 'Europe/Berlin' });
    expect(plan.fields.cloud.get('at')).toMatchObject({ zone: 'Asia/Tokyo' });
  });
});

describe('checkPushdownColumns', () => {
  const plan = () => {
    const p = planOf({ key: ['sku', 'loc'], fields: { sku: FIELDS.sku, loc: FIELDS.loc, qty: FIELDS.qty } });
    if ('reason' in p) throw new Error(p.reason);
    return p;
  };
  it('accepts text and exact columns, and fills in each kind', async () => {
    const p = plan();
    const kinds: Record<string, ColumnKind> = { sku: 'text', loc: 'char', qty: 'exact' };
    const a = adapterOf('other', {
      columnKinds: async (req: { columns: string[] }) => req.columns.map((c) => kinds[c]!),
    } as Partial<Adapter>);
    expect(await checkPushdownColumns(p, { legacy: a, cloud: a })).toBeUndefined();
    expect(p.specs.cloud.fields[0]!.kind).toBe('exact');
    // Two PostgreSQL sides hash natively.
    expect(p.specs.legacy.hash).toBeUndefined();
  });
  it('streams a float column read as a decimal', async () => {
    const kinds: Record<string, ColumnKind> = { sku: 'text', loc: 'text', qty: 'float' };
    const a = adapterOf('other', {
      columnKinds: async (req: { columns: string[] }) => req.columns.map((c) => kinds[c]!),
    } as Partial<Adapter>);
    expect(await checkPushdownColumns(plan(), { legacy: a, cloud: a })).toMatch(
      /legacy: column qty is a float column read as a number/,
    );
  });
  it('streams an untrimmed CHAR key, and a source without checksums', async () => {
    const p = planOf({ key: ['sku'], fields: { sku: FIELDS.sku } });
    if ('reason' in p) throw new Error(p.reason);
    expect(await checkPushdownColumns(p, { legacy: adapterOf('char'), cloud: adapterOf('char') })).toMatch(
      /fixed-width CHAR/,
    );
    const csv = { dialect: 'csv' } as Adapter;
    expect(await checkPushdownColumns(p, { legacy: adapterOf('text'), cloud: csv })).toMatch(
      /cloud source \(csv\) computes no checksums/,
    );
  });
  it('streams a naive timestamp in a zone, except where SQLite reads it', async () => {
    const p = planOf({
      key: ['sku'],
      fields: { sku: FIELDS.sku, at: FIELDS.at },
      legacyTimezone: 'Europe/Berlin',
    });
    if ('reason' in p) throw new Error(p.reason);
    const naiveAt = adapterOf('other', {
      columnKinds: async (req: { columns: string[] }) =>
        req.columns.map((c) => (c === 'at' ? 'naive' : 'text')),
    } as Partial<Adapter>);
    expect(await checkPushdownColumns(p, { legacy: naiveAt, cloud: naiveAt })).toMatch(
      /legacy: column at holds wall-clock times in Europe\/Berlin/,
    );
    // The cloud side's zone is UTC (none given): its naive column is read as UTC, exactly.
    expect(await checkPushdownColumns(p, { legacy: adapterOf('any'), cloud: naiveAt })).toBeUndefined();
  });
  it('hashes natively only when both sides name the same native hash', async () => {
    const p = plan();
    const a = adapterOf('any', { nativeChecksum: 'postgres:hashtextextended' } as Partial<Adapter>);
    expect(await checkPushdownColumns(p, { legacy: a, cloud: adapterOf('any') })).toBeUndefined();
    expect(p.specs.legacy.hash).toBeUndefined();
    expect(await checkPushdownColumns(p, { legacy: a, cloud: a })).toBeUndefined();
    expect(p.specs.legacy.hash).toBe('native');
  });
});

describe('planTotals', () => {
  it('turns sums, products and counts into SQL measures over the fields', () => {
    const m = mappingOf({
      key: ['sku'],
      fields: FIELDS,
      totals: [{ by: ['loc'], sum: ['qty'], count: true }, { value: ['qty', 'cost'] }],
    });
    const p = planPushdown(m, {}, NO_RUN);
    if ('reason' in p) throw new Error(p.reason);
    const t = planTotals(p, new ControlTotals(totalsFromMapping(m)));
    expect(t).toEqual({
      queries: [
        { by: ['loc'], measures: [{ sum: 'qty' }, { count: true }] },
        { by: [], measures: [{ product: ['qty', 'cost'] }] },
      ],
      fields: ['qty', 'loc', 'cost'],
    });
  });
  it('streams a total grouped by a timestamp', () => {
    const m = mappingOf({ key: ['sku'], fields: FIELDS, totals: [{ by: ['at'], count: true }] });
    const p = planPushdown(m, {}, NO_RUN);
    if ('reason' in p) throw new Error(p.reason);
    expect(planTotals(p, new ControlTotals(totalsFromMapping(m)))).toEqual({
      reason: expect.stringMatching(/groups by at/),
    });
  });
});

describe('bucketBits', () => {
  it('aims at about 16 rows per level-1 bucket, within 2^10 to 2^20 buckets', () => {
    expect(bucketBits(undefined)).toBe(16);
    expect(bucketBits(0)).toBe(10);
    expect(bucketBits(1_000_000)).toBe(16);
    expect(bucketBits(10_000_000)).toBe(20);
    expect(bucketBits(1e9)).toBe(20);
  });
});

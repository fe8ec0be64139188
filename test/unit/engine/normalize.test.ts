import { describe, expect, it } from 'vitest';
import { buildNormalizer } from '../../../src/reconcilers/normalize.js';
import { DataError, MappingError } from '../../../src/errors.js';
import { makeMapping } from './helpers.js';

describe('buildNormalizer', () => {
  it('selects each source column once, in order, with its type', () => {
    const m = makeMapping(
      {
        id: { type: 'integer' },
        amount: { type: 'decimal', scale: 2 },
        copy: { type: 'string' },
        k: { type: 'string' },
      },
      ['id'],
      {
        legacyColumns: {
          id: 'ID',
          amount: { column: 'AMT', signFrom: { column: 'DC', negative: 'H' } },
          copy: 'ID',
          k: { value: 'X' },
        },
      },
    );
    const n = buildNormalizer(m, 'legacy');
    expect(n.columns).toEqual(['ID', 'AMT', 'DC']);
    expect(n.types).toEqual(['integer', 'decimal', undefined]);
    expect(n.normalize([7n, '10.5', 'H'])).toEqual({ id: '7', amount: '-10.50', copy: '7', k: 'X' });
    expect(n.normalize([7n, '10.5', 'S'])).toEqual({ id: '7', amount: '10.50', copy: '7', k: 'X' });
    expect(n.normalize([7n, '0', 'H']).amount).toBe('0.00');
  });

  it('canonicalizes decimals: scale, -0, exponent, JS numbers, no scale keeps own digits', () => {
    const m = makeMapping(
      { a: { type: 'decimal', scale: 2 }, b: { type: 'decimal' }, i: { type: 'integer' } },
      ['a'],
    );
    const n = buildNormalizer(m, 'cloud');
    expect(n.normalize(['1.05E1', '10.50', '-0'])).toEqual({ a: '10.50', b: '10.5', i: '0' });
    expect(n.normalize(['-0', '-0.000', '007'])).toEqual({ a: '0.00', b: '0', i: '7' });
    expect(n.normalize([0.1, 0.30000000000000004, 9007199254740993n])).toEqual({
      a: '0.10',
      b: '0.30000000000000004',
      i: '9007199254740993',
    });
    expect(n.normalize(['.71', '100', '1E3'])).toEqual({ a: '0.71', b: '100', i: '1000' });
    expect(() => n.normalize(['1', '1', '1.5'])).toThrow(DataError);
  });

  it('applies multiply/divide exactly with the field rounding', () => {
    const m = makeMapping(
      { q: { type: 'decimal', scale: 3 }, r: { type: 'decimal', scale: 2, round: 'half-even' } },
      ['q'],
      { legacyColumns: { q: { column: 'q', multiply: '12' }, r: { column: 'r', divide: '4' } } },
    );
    const n = buildNormalizer(m, 'legacy');
    expect(n.normalize(['2.5', '0.1'])).toEqual({ q: '30.000', r: '0.02' }); // 0.025 → half-even 0.02
    expect(n.normalize(['-1.0001', '0.3'])).toEqual({ q: '-12.001', r: '0.08' }); // 0.075 → 0.08
  });

  it('rejects divide without a scale and bad literals at build time', () => {
    expect(() =>
      buildNormalizer(
        makeMapping({ q: { type: 'decimal' } }, ['q'], {
          legacyColumns: { q: { column: 'q', divide: '3' } },
        }),
        'legacy',
      ),
    ).toThrow(MappingError);
    expect(() =>
      buildNormalizer(
        makeMapping({ q: { type: 'decimal', scale: 1 } }, ['q'], {
          legacyColumns: { q: { column: 'q', multiply: 'x' } },
        }),
        'legacy',
      ),
    ).toThrow(MappingError);
    expect(() =>
      buildNormalizer(
        makeMapping({ t: { type: 'timestamp' } }, ['t'], {
          legacyColumns: { t: { column: 't', timezone: 'Mars/Base' } },
        }),
        'legacy',
      ),
    ).toThrow(MappingError);
  });

  it('strings: NFC, trim and case only where declared', () => {
    const m = makeMapping(
      { a: { type: 'string', trim: true, case: 'upper' }, b: { type: 'string' }, c: { type: 'string' } },
      ['a'],
      { legacyColumns: { c: { column: 'c', trim: true, case: 'lower' } } },
    );
    const n = buildNormalizer(m, 'legacy');
    expect(n.normalize(['  a-100  ', 'x  ', ' DC-East '])).toEqual({ a: 'A-100', b: 'x  ', c: 'dc-east' });
    const cloud = buildNormalizer(m, 'cloud');
    expect(cloud.normalize(['A-100', 'x', ' DC-East '])).toEqual({ a: 'A-100', b: 'x', c: ' DC-East ' });
    // e + combining acute (NFD) equals the precomposed é (NFC)
    expect(n.normalize(['e\u0301', 'e\u0301', '']).b).toBe('\u00e9');
    expect(n.normalize([12n, 3.5, null])).toEqual({ a: '12', b: '3.5', c: null });
  });

  it('keeps NULL distinct from empty unless nullAs', () => {
    const m = makeMapping(
      { a: { type: 'string' }, b: { type: 'string', nullAs: '' }, d: { type: 'decimal', scale: 1 } },
      ['a'],
      {
        cloudColumns: { d: { column: 'd', nullAs: 0 } },
      },
    );
    expect(buildNormalizer(m, 'legacy').normalize([null, null, null])).toEqual({ a: null, b: '', d: null });
    expect(buildNormalizer(m, 'cloud').normalize(['', null, null])).toEqual({ a: '', b: '', d: '0.0' });
  });

  it('maps values by their string form, with unmapped keep, null or error', () => {
    const fields = { s: { type: 'string' as const } };
    const mk = (unmapped?: 'keep' | 'error' | 'null') =>
      buildNormalizer(
        makeMapping(fields, ['s'], {
          legacyColumns: { s: { column: 'S', map: { '0': 'sellable', '1': 'quarantine' }, unmapped } },
        }),
        'legacy',
      );
    expect(mk().normalize([0n])).toEqual({ s: 'sellable' });
    expect(mk().normalize(['1'])).toEqual({ s: 'quarantine' });
    expect(mk().normalize(['7'])).toEqual({ s: '7' });
    expect(mk('null').normalize(['7'])).toEqual({ s: null });
    expect(() => mk('error').normalize(['7'])).toThrow(/test\.yaml.*legacy field "s" \(column S\).*"7"/);
  });

  it('booleans from the usual spellings', () => {
    const n = buildNormalizer(makeMapping({ b: { type: 'boolean' } }, ['b']), 'legacy');
    for (const v of [true, 1n, 1, '1', 't', 'Y', 'yes', 'TRUE']) expect(n.normalize([v]).b).toBe('true');
    for (const v of [false, 0n, 0, '0', 'f', 'N', 'no', 'False']) expect(n.normalize([v]).b).toBe('false');
    expect(() => n.normalize(['maybe'])).toThrow(DataError);
  });

  it('dates to YYYY-MM-DD', () => {
    const n = buildNormalizer(makeMapping({ d: { type: 'date' } }, ['d']), 'legacy');
    expect(n.normalize(['2026-11-25']).d).toBe('2026-11-25');
    expect(n.normalize(['2026-11-25 00:00:00']).d).toBe('2026-11-25');
    expect(n.normalize([new Date(Date.UTC(2026, 10, 25))]).d).toBe('2026-11-25');
    expect(() => n.normalize(['2026-02-30'])).toThrow(DataError);
  });

  it('timestamps to ISO UTC at the declared precision, naive ones in the declared zone', () => {
    const m = makeMapping(
      {
        t: { type: 'timestamp' },
        s: { type: 'timestamp', precision: 's' },
        u: { type: 'timestamp', precision: 'us' },
      },
      ['t'],
      { legacyColumns: { t: { column: 't', timezone: 'America/New_York' } } },
    );
    const legacy = buildNormalizer({ ...m, legacy: { ...m.legacy, timezone: 'Europe/Berlin' } }, 'legacy');
    expect(
      legacy.normalize(['2026-11-25 09:03:11', '2026-07-01T12:00:00.999', '2026-11-25 14:03:11.123456+00']),
    ).toEqual({
      t: '2026-11-25T14:03:11.000Z', // New York, EST (-5)
      s: '2026-07-01T10:00:00Z', // Berlin, CEST (+2)
      u: '2026-11-25T14:03:11.123456Z',
    });
    const cloud = buildNormalizer(m, 'cloud', { defaultTimezone: 'UTC' });
    expect(
      cloud.normalize([
        new Date(Date.UTC(2026, 10, 25, 14, 3, 11, 5)),
        '2026-11-25T15:03:11+01:00',
        '2026-11-25T14:03:11.1234567Z',
      ]),
    ).toEqual({ t: '2026-11-25T14:03:11.005Z', s: '2026-11-25T14:03:11Z', u: '2026-11-25T14:03:11.123456Z' });
    // A Date from a naive column holds the wall clock in its UTC fields.
    expect(
      legacy.normalize([new Date(Date.UTC(2026, 6, 1, 8)), '2026-07-01 00:00:00-0400', '2026-07-01 00:00:00'])
        .t,
    ).toBe('2026-07-01T12:00:00.000Z');
    expect(legacy.normalize([new Date(0), '2026-07-01 00:00:00-0400', '2026-07-01 00:00:00']).s).toBe(
      '2026-07-01T04:00:00Z',
    );
    expect(() => legacy.normalize(['yesterday', null, null])).toThrow(
      /legacy field "t" \(column t\).*"yesterday"/,
    );
  });

  it('handles DST edges in the declared zone', () => {
    const n = buildNormalizer(
      makeMapping({ t: { type: 'timestamp' } }, ['t'], {
        legacyColumns: { t: { column: 't', timezone: 'America/New_York' } },
      }),
      'legacy',
    );
    expect(n.normalize(['2026-03-08 01:59:59']).t).toBe('2026-03-08T06:59:59.000Z'); // EST
    expect(n.normalize(['2026-03-08 03:00:00']).t).toBe('2026-03-08T07:00:00.000Z'); // EDT
    expect(n.normalize(['2026-11-01 00:30:00']).t).toBe('2026-11-01T04:30:00.000Z'); // EDT
    expect(n.normalize(['2026-11-01 03:00:00']).t).toBe('2026-11-01T08:00:00.000Z'); // EST
  });
});

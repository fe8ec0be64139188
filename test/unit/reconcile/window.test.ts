import { describe, it, expect } from 'vitest';
import { inWindow, parseWindow, parseWindowBound, sideWindow } from '../../../src/reconcilers/window.js';
import { UsageError, MappingError } from '../../../src/errors.js';
import type { LoadedConfig } from '../../../src/config/load-config.js';
import { mappingOf } from './mapping-fixture.js';
import { formatWindowBound } from '../../../src/adapters/sql-text.js';

const now = new Date('2026-11-26T02:00:00Z');

describe('--since/--until', () => {
  it.each([
    ['2026-11-20', '2026-11-20T00:00:00.000Z'],
    ['2026-11-20T06:30', '2026-11-20T06:30:00.000Z'],
    ['2026-11-20 06:30:15', '2026-11-20T06:30:15.000Z'],
    ['2026-11-20T06:30:00-05:00', '2026-11-20T11:30:00.000Z'],
    ['2026-11-20T06:30:00.25+0530', '2026-11-20T01:00:00.250Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2026-11-20t06:30:00z', '2026-11-20T06:30:00.000Z'],
    ['2d', '2026-11-24T02:00:00.000Z'],
    ['36h', '2026-11-24T14:00:00.000Z'],
    ['90m', '2026-11-26T00:30:00.000Z'],
    ['1w', '2026-11-19T02:00:00.000Z'],
  ])('reads %s', (text, iso) => {
    expect(parseWindowBound(text, '--since', now).toISOString()).toBe(iso);
  });

  it.each([
    'yesterday',
    '2026-13-40',
    '2 days',
    '',
    // impossible dates are not rolled over into the next month
    '2026-02-31',
    '2026-11-31',
    '2026-02-29',
    // nor is loose text guessed at (these read as June, or in the machine's zone, before)
    '2026-11-20junk',
    '2026-11-20 6:00',
    '2026-11-20, 06:00',
    '2026-11-20T24:00',
  ])('refuses %j', (text) => {
    expect(() => parseWindowBound(text, '--since', now)).toThrow(UsageError);
  });

  it('needs since before until', () => {
    expect(() => parseWindow('2026-11-21', '2026-11-20', now)).toThrow(/not before --until/);
    expect(parseWindow(undefined, undefined, now)).toBeUndefined();
    expect(parseWindow('2d', undefined, now)).toEqual({
      since: new Date('2026-11-24T02:00:00Z'),
      until: undefined,
    });
  });

  it('keeps [since, until) on canonical values, dates and naive text read as UTC', () => {
    const w = { since: new Date('2026-11-20T00:00:00Z'), until: new Date('2026-11-21T00:00:00Z') };
    expect(inWindow('2026-11-20T00:00:00.000Z', w)).toBe(true);
    expect(inWindow('2026-11-20T23:59:59.999Z', w)).toBe(true);
    expect(inWindow('2026-11-21T00:00:00.000Z', w)).toBe(false);
    expect(inWindow('2026-11-19T23:59:59Z', w)).toBe(false);
    expect(inWindow('2026-11-20', w)).toBe(true);
    expect(inWindow('2026-11-20T23:00:00', w)).toBe(true);
    expect(inWindow(null, w)).toBe(false);
  });
});

describe('the window each side pushes down', () => {
  const mapping = (window = true) =>
    mappingOf({
      key: ['id'],
      fields: { id: { type: 'string' }, updated_at: { type: 'timestamp' } },
      window: window ? { field: 'updated_at' } : undefined,
      legacyColumns: { updated_at: { column: 'MODIFIEDDATETIME', timezone: 'America/New_York' } },
      cloudColumns: { updated_at: 'updated_at' },
    });
  const config = {
    connections: {
      legacy: { name: 'legacy', url: 'sqlite:x' },
      cloud: { name: 'cloud', url: 'sqlite:y', timezone: 'Europe/Paris' },
    },
  } as unknown as LoadedConfig;
  const w = { since: new Date('2026-11-20T00:00:00Z') };

  it('filters the column the window field maps to, in that column’s zone, else the connection’s', () => {
    expect(sideWindow(mapping(), 'legacy', w, config)).toEqual({
      column: 'MODIFIEDDATETIME',
      since: w.since,
      until: undefined,
      timezone: 'America/New_York',
      naive: true,
    });
    expect(sideWindow(mapping(), 'cloud', w, config)).toMatchObject({
      column: 'updated_at',
      timezone: 'Europe/Paris',
    });
    expect(sideWindow(mapping(), 'cloud', w)).toMatchObject({ timezone: undefined, naive: false });
  });

  it('refuses --since on a mapping without a window, and a window field read from a constant', () => {
    expect(() => sideWindow(mapping(false), 'legacy', w)).toThrow(UsageError);
    const m = mapping();
    m.cloud.columns.updated_at = { value: '2026-01-01' };
    expect(() => sideWindow(m, 'cloud', w)).toThrow(MappingError);
  });
});

describe('the range a window bound can take (0001-01-01 to 9999-12-31)', () => {
  const range = 'from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z';
  it.each([
    // year 0: SQLite's julianday() gives NULL for its text in a zone west of UTC (-000001-12-31 …)
    ['--since', '0000-01-01', /^--since "0000-01-01" is 0000-01-01T00:00:00\.000Z; a window bound must lie /],
    ['--since', '0001-01-01T00:30:00+01:00', /is 0000-12-31T23:30:00\.000Z/],
    [
      '--until',
      '9999-12-31T23:00:00-05:00',
      /^--until "9999-12-31T23:00:00-05:00" is \+010000-01-01T04:00:00\.000Z/,
    ],
    // a span back from now to year -271764: both sides read nothing, and the run was called clean
    ['--since', '99999999d', /^--since "99999999d" reaches back before 0001-01-01T00:00:00Z/],
    ['--until', '2000000w', /^--until "2000000w" reaches back/],
    // more digits than a number holds (Infinity ms back): no date at all
    ['--since', `${'9'.repeat(400)}d`, /reaches back before 0001-01-01T00:00:00Z/],
  ])('refuses %s %s, naming it and the range', (flag, text, message) => {
    let err: unknown;
    try {
      parseWindowBound(text, flag, now);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(message);
    expect((err as UsageError).message).toContain(range);
    expect((err as UsageError).hint).toBe(
      flag === '--since'
        ? 'Give a later --since, or leave it out to read from the first row.'
        : 'Give an earlier --until, or leave it out to read up to the last row.',
    );
  });

  it('takes the first and the last instant of the range, and a span reaching back to the first', () => {
    expect(parseWindowBound('0001-01-01', '--since', now).toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(parseWindowBound('0004-02-29', '--since', now).toISOString()).toBe('0004-02-29T00:00:00.000Z');
    expect(parseWindowBound('9999-12-31T23:59:59.999Z', '--until', now).toISOString()).toBe(
      '9999-12-31T23:59:59.999Z',
    );
    const days = (now.getTime() - Date.parse('0001-01-01T00:00:00Z')) / 86_400_000;
    expect(parseWindowBound(`${Math.floor(days)}d`, '--since', now).getTime()).toBeGreaterThanOrEqual(
      Date.parse('0001-01-01T00:00:00Z'),
    );
    expect(() => parseWindowBound(`${Math.floor(days) + 1}d`, '--since', now)).toThrow(/reaches back/);
  });
});

describe('the range in each side’s local time', () => {
  const mapping = mappingOf({
    key: ['id'],
    fields: { id: { type: 'string' }, updated_at: { type: 'timestamp' } },
    window: { field: 'updated_at' },
    legacyColumns: { updated_at: { column: 'MODIFIEDDATETIME', timezone: 'America/New_York' } },
    cloudColumns: { updated_at: { column: 'updated_at', timezone: 'Asia/Tokyo' } },
  });

  it('refuses a bound whose wall clock in the column’s zone falls outside it, naming the side, column and zone', () => {
    // 0001-01-01T00:00Z is 0000-12-31 19:03:58 in New York (local mean time, -4:56:02)
    const since = { since: new Date('0001-01-01T00:00:00Z') };
    expect(() => sideWindow(mapping, 'legacy', since)).toThrow(
      "--since 0001-01-01T00:00:00.000Z is 0000-12-31 19:03:58 in America/New_York, the zone of the legacy side's window column MODIFIEDDATETIME",
    );
    expect(sideWindow(mapping, 'cloud', since)).toMatchObject({ since: since.since });
    // 9999-12-31T23:00Z is 10000-01-01 08:18:59 in Tokyo (local mean time, +9:18:59)
    const until = { until: new Date('9999-12-31T23:00:00Z') };
    expect(() => sideWindow(mapping, 'cloud', until)).toThrow(
      /^--until 9999-12-31T23:00:00\.000Z is \+010000-01-01 /,
    );
    expect(() => sideWindow(mapping, 'cloud', until)).toThrow(UsageError);
    expect(sideWindow(mapping, 'legacy', until)).toMatchObject({ until: until.until });
  });

  it('takes a bound a day inside, written in the side’s zone', () => {
    const w = { since: new Date('0001-01-02T00:00:00Z'), until: new Date('9999-12-31T00:00:00Z') };
    const legacy = sideWindow(mapping, 'legacy', w)!;
    const cloud = sideWindow(mapping, 'cloud', w)!;
    expect(formatWindowBound(legacy.since!, legacy.timezone, false)).toBe('0001-01-01 19:03:58');
    expect(formatWindowBound(cloud.until!, cloud.timezone, false)).toBe('9999-12-31 09:00:00');
  });

  it('leaves no adapter writing a bound outside it as text (year 0000, -000001, +010000)', () => {
    expect(() => formatWindowBound(new Date('0001-01-01T00:00:00Z'), 'America/New_York')).toThrow(RangeError);
    expect(() => formatWindowBound(new Date(Date.parse('0001-01-01T00:00:00Z') - 1))).toThrow(RangeError);
    expect(() => formatWindowBound(new Date(NaN))).toThrow(RangeError);
  });
});

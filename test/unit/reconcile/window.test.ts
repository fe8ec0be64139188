import { describe, it, expect } from 'vitest';
import { inWindow, parseWindow, parseWindowBound, sideWindow } from '../../../src/reconcilers/window.js';
import { UsageError, MappingError } from '../../../src/errors.js';
import type { LoadedConfig } from '../../../src/config/load-config.js';
import { mappingOf } from './mapping-fixture.js';

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

import { describe, it, expect } from 'vitest';
import { formatWallClock, wallToUtc } from '../../../src/util/zoned-time.js';

const wall = (text: string) => Date.parse(`${text}Z`);
const iso = (ms: number) => new Date(ms).toISOString();

describe('wallToUtc (naive timestamps in a zone)', () => {
  it.each([
    // plain winter and summer times
    ['2026-01-15T10:00:00', 'America/New_York', '2026-01-15T15:00:00.000Z'],
    ['2026-07-15T10:00:00', 'America/New_York', '2026-07-15T14:00:00.000Z'],
    // spring forward (02:00 → 03:00 on 2026-03-08): 02:30 never happened; read with the offset from
    // before the change, i.e. 03:30 EDT — as PostgreSQL and SQL Server do
    ['2026-03-08T02:30:00', 'America/New_York', '2026-03-08T07:30:00.000Z'],
    ['2026-03-08T03:00:00', 'America/New_York', '2026-03-08T07:00:00.000Z'],
    ['2026-03-08T01:59:59', 'America/New_York', '2026-03-08T06:59:59.000Z'],
    // fall back (02:00 → 01:00 on 2026-11-01): 01:30 happened twice; the earlier one (EDT) wins
    ['2026-11-01T01:30:00', 'America/New_York', '2026-11-01T05:30:00.000Z'],
    ['2026-11-01T02:00:00', 'America/New_York', '2026-11-01T07:00:00.000Z'],
    // east of UTC and south of the equator the same rules: gap → offset from before, overlap → earlier
    ['2026-03-29T02:30:00', 'Europe/Berlin', '2026-03-29T01:30:00.000Z'],
    ['2026-10-25T02:30:00', 'Europe/Berlin', '2026-10-25T00:30:00.000Z'],
    ['2026-04-05T02:30:00', 'Australia/Sydney', '2026-04-04T15:30:00.000Z'],
    ['2026-10-04T02:30:00', 'Australia/Sydney', '2026-10-03T16:30:00.000Z'],
    ['2026-11-26T10:00:00', 'Asia/Kolkata', '2026-11-26T04:30:00.000Z'],
  ])('%s in %s is %s', (text, zone, expected) => {
    expect(iso(wallToUtc(wall(text), zone))).toBe(expected);
  });

  it('round-trips every quarter hour of a year that is not in a gap', () => {
    const zone = 'America/New_York';
    for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 15 * 60_000) {
      const w = wall(formatWallClock(t, zone, 'T'));
      const back = wallToUtc(w, zone);
      // In the fall-back overlap the earlier instant is chosen: both map to the same wall clock.
      expect(formatWallClock(back, zone, 'T')).toBe(formatWallClock(t, zone, 'T'));
    }
  });
});

describe('years 1 to 99 (Date.UTC would read them as 1900 to 1999)', () => {
  it.each([
    // local mean time: New York -4:56:02, Berlin +0:53:28
    ['0001-01-02T00:00:00.000Z', 'America/New_York', '0001-01-01T19:03:58'],
    ['0050-06-01T12:00:00.000Z', 'America/New_York', '0050-06-01T07:03:58'],
    ['0099-12-31T23:30:00.000Z', 'Europe/Berlin', '0100-01-01T00:23:28'],
    ['0004-02-29T12:00:00.000Z', 'Europe/Berlin', '0004-02-29T12:53:28'],
  ])('%s is %s wall clock %s, and back', (instant, zone, text) => {
    const t = Date.parse(instant);
    expect(formatWallClock(t, zone, 'T')).toBe(text);
    expect(iso(wallToUtc(wall(text), zone))).toBe(instant);
  });
});

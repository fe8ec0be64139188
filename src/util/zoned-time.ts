/**
 * Time-zone arithmetic shared by the engine, the adapters' window bounds and the demo: offsets come
 * from Intl (correct across DST changes), cached per quarter hour because a reconcile converts
 * millions of naive timestamps.
 */
import { MappingError } from '../errors.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Whether an IANA zone name is known to this Node.js. */
export function isTimeZone(zone: string): boolean {
  try {
    zoneFormatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** Checks an IANA zone name once, when a mapping is compiled. */
export function checkTimeZone(zone: string, where: string): void {
  if (!isTimeZone(zone))
    throw new MappingError(
      `${where}: "${zone}" is not a time zone.`,
      'Use an IANA zone name such as UTC, Europe/Berlin or America/New_York.',
    );
}

function zoneFormatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(zone, f);
  }
  return f;
}

const offsetCache = new Map<string, number>();

/** The zone's UTC offset in ms at an instant; cached per quarter hour (zone rules change on such edges). */
export function zoneOffsetMs(zone: string, utcMs: number): number {
  const bucket = Math.floor(utcMs / 900_000);
  const ck = `${zone}|${bucket}`;
  const hit = offsetCache.get(ck);
  if (hit !== undefined) return hit;
  const at = bucket * 900_000;
  const parts = zoneFormatter(zone).formatToParts(new Date(at));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  let year = get('year');
  if (parts.find((p) => p.type === 'era')?.value === 'BC') year = 1 - year;
  // Not Date.UTC: it reads years 0–99 as 1900–1999, which put the wall clock of year 1 in 1900.
  const wall = new Date(0);
  wall.setUTCFullYear(year, get('month') - 1, get('day'));
  const off = wall.setUTCHours(get('hour'), get('minute'), get('second'), 0) - at;
  if (offsetCache.size > 100_000) offsetCache.clear();
  offsetCache.set(ck, off);
  return off;
}

/** The wall clock of an instant in a zone (UTC when none), as epoch ms of that time read as UTC. */
export function wallClockMs(utcMs: number, zone: string | undefined): number {
  return !zone || zone === 'UTC' || zone === 'Etc/UTC' ? utcMs : utcMs + zoneOffsetMs(zone, utcMs);
}

/** Naive wall-clock text ('YYYY-MM-DD HH:MM:SS[.mmm]') of an instant in a zone (UTC when none). */
export function formatWallClock(utcMs: number, zone: string | undefined, sep = ' '): string {
  const iso = new Date(wallClockMs(utcMs, zone))
    .toISOString()
    .replace('Z', '')
    .replace(/\.000$/, '');
  return sep === 'T' ? iso : iso.replace('T', sep);
}

/**
 * Epoch ms of a wall-clock time (given as if UTC) in a zone. In an overlap (clocks set back: the wall
 * time happened twice) the earlier instant wins, in every zone; in a gap (clocks set forward: it never
 * happened) the offset from before the change applies, so 02:30 on a spring-forward night is 03:30
 * summer time — as PostgreSQL, SQL Server and java.time read it. Offsets a day either side bracket
 * the change (no zone changes its offset twice in two days).
 */
export function wallToUtc(wallMs: number, zone: string | undefined): number {
  if (!zone || zone === 'UTC' || zone === 'Etc/UTC') return wallMs;
  const before = zoneOffsetMs(zone, wallMs - 86_400_000);
  const after = zoneOffsetMs(zone, wallMs + 86_400_000);
  const tBefore = wallMs - before;
  if (before === after) return tBefore; // no change within a day: one reading
  const tAfter = wallMs - after;
  const okBefore = zoneOffsetMs(zone, tBefore) === before;
  const okAfter = zoneOffsetMs(zone, tAfter) === after;
  if (okBefore && okAfter) return Math.min(tBefore, tAfter);
  if (okBefore) return tBefore;
  if (okAfter) return tAfter;
  return tBefore;
}

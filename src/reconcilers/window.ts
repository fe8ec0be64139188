/** The --since/--until window: parsing the flags, and the column each side filters on. */
import { MappingError, UsageError } from '../errors.js';
import type { Mapping } from '../config/mapping-schema.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { ReadRequest } from '../adapters/types.js';
import type { Side } from './types.js';
import { inInstantRange, instantBefore, INSTANT_RANGE_TEXT } from '../util/instant-range.js';
import { formatWallClock, wallClockMs } from '../util/zoned-time.js';

export interface TimeWindow {
  since?: Date;
  until?: Date;
}

const RELATIVE = /^(\d+)\s*(m|min|h|d|w)$/i;
const UNIT_MS: Record<string, number> = {
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** How to do without a bound that cannot be taken: a nearer one, or none. */
function outOfRangeHint(flag: string): string {
  return flag === '--until'
    ? 'Give an earlier --until, or leave it out to read up to the last row.'
    : 'Give a later --since, or leave it out to read from the first row.';
}

/**
 * Parses a window bound: an ISO date (`2026-11-20`, midnight UTC), an ISO timestamp (`2026-11-20T06:00`,
 * UTC unless it carries an offset) or a span back from `now` (`90m`, `36h`, `2d`, `1w`). The bound
 * must lie from 0001-01-01 to 9999-12-31 (util/instant-range.ts): beyond, a side's database reads it
 * as nothing or as something else.
 */
export function parseWindowBound(text: string, flag: string, now: Date = new Date()): Date {
  const t = text.trim();
  const rel = RELATIVE.exec(t);
  if (rel) {
    const at = instantBefore(now, Number(rel[1]) * UNIT_MS[rel[2]!.toLowerCase()]!);
    if (!at)
      throw new UsageError(
        `${flag} "${text}" reaches back before 0001-01-01T00:00:00Z; a window bound must lie ${INSTANT_RANGE_TEXT}.`,
        outOfRangeHint(flag),
      );
    return at;
  }
  // Strictly ISO 8601: a date, or a date and time with an optional offset (none: UTC). Anything
  // looser (2026-11-20junk, a one-digit hour) and impossible dates (2026-02-31) are refused rather
  // than guessed at or rolled over into the next month.
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(
      t,
    );
  let d = new Date(NaN);
  if (m) {
    const [, y, mo, day, h = '00', mi = '00', sec = '00', frac = '', zone = 'Z'] = m;
    const monthEnd = new Date(0); // not Date.UTC, which reads years 0–99 as 1900–1999
    monthEnd.setUTCFullYear(Number(y), Number(mo), 0);
    const valid =
      Number(mo) >= 1 &&
      Number(mo) <= 12 &&
      Number(day) >= 1 &&
      Number(day) <= monthEnd.getUTCDate() &&
      Number(h) <= 23 &&
      Number(mi) <= 59 &&
      Number(sec) <= 59 &&
      (zone.toUpperCase() === 'Z' || (Number(zone.slice(1, 3)) <= 14 && Number(zone.slice(-2)) <= 59));
    const z = zone.toUpperCase() === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
    if (valid) d = new Date(`${y}-${mo}-${day}T${h}:${mi}:${sec}${frac.slice(0, 4)}${z}`);
  }
  if (Number.isNaN(d.getTime()))
    throw new UsageError(
      `${flag} "${text}" is not a date, a timestamp or a span.`,
      `Give an ISO date (2026-11-20), a timestamp (2026-11-20T06:00:00Z; without an offset it is UTC) or a span back from now (36h, 2d, 1w).`,
    );
  if (!inInstantRange(d.getTime()))
    throw new UsageError(
      `${flag} "${text}" is ${d.toISOString()}; a window bound must lie ${INSTANT_RANGE_TEXT}.`,
      outOfRangeHint(flag),
    );
  return d;
}

/** Parses --since/--until; since must come before until. */
export function parseWindow(since?: string, until?: string, now: Date = new Date()): TimeWindow | undefined {
  if (since === undefined && until === undefined) return undefined;
  const w: TimeWindow = {
    since: since === undefined ? undefined : parseWindowBound(since, '--since', now),
    until: until === undefined ? undefined : parseWindowBound(until, '--until', now),
  };
  if (w.since && w.until && w.since >= w.until)
    throw new UsageError(
      `--since (${w.since.toISOString()}) is not before --until (${w.until.toISOString()}).`,
      'The window holds rows from --since (included) up to --until (excluded).',
    );
  return w;
}

/**
 * The window as one side's ReadRequest sees it: the source column its `window.field` maps to, in the
 * zone its naive values are in (the column's `timezone`, else the side's, else the connection's).
 */
export function sideWindow(
  mapping: Mapping,
  side: Side,
  window: TimeWindow | undefined,
  config?: LoadedConfig,
): ReadRequest['window'] | undefined {
  if (!window) return undefined;
  if (!mapping.window)
    throw new UsageError(
      `Mapping "${mapping.name}" (${mapping.file}) has no window, so --since/--until cannot limit it.`,
      'Add `window: { field: <a timestamp or date field> }` to the mapping, or run it without --since/--until.',
    );
  const field = mapping.window.field;
  const spec = mapping[side].columns[field];
  const column = typeof spec === 'string' ? spec : spec?.column;
  if (!column)
    throw new MappingError(
      `${mapping.file}: window.field "${field}" is not read from a column on the ${side} side, so the window cannot be pushed down.`,
      `Map ${side}.columns.${field} to a column.`,
    );
  const timezone =
    (typeof spec === 'object' ? spec.timezone : undefined) ??
    mapping[side].timezone ??
    config?.connections[mapping[side].connection]?.timezone;
  for (const [flag, bound] of [
    ['--since', window.since],
    ['--until', window.until],
  ] as const)
    if (bound && !inInstantRange(wallClockMs(bound.getTime(), timezone)))
      throw new UsageError(
        `${flag} ${bound.toISOString()} is ${formatWallClock(bound.getTime(), timezone)} in ${timezone ?? 'UTC'}, the zone of the ${side} side's window column ${column} (mapping ${mapping.name}); a window bound must lie from 0001-01-01 00:00:00 to 9999-12-31 23:59:59.999 in each side's local time too, or that side's database cannot compare against it.`,
        outOfRangeHint(flag),
      );
  return { column, since: window.since, until: window.until, timezone, naive: timezone !== undefined };
}

/** Does a canonical window value (ISO UTC timestamp or date) fall inside the window? */
export function inWindow(value: string | null | undefined, window: TimeWindow): boolean {
  if (value === null || value === undefined) return false;
  // Canonical timestamps are UTC; one written without an offset must not be read in the local zone.
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? `${value}T00:00:00Z`
    : /[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)
      ? `${value}Z`
      : value;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return true;
  if (window.since && t < window.since.getTime()) return false;
  if (window.until && t >= window.until.getTime()) return false;
  return true;
}

/** Helpers shared by the SQL adapters: identifier quoting and the SELECT a ReadRequest becomes. */

import { formatWallClock, zoneOffsetMs } from '../util/zoned-time.js';

export type QuoteFn = (identifier: string) => string;

/** Quotes a possibly schema-qualified name part by part ("dbo.INVENTSUM" → "dbo"."INVENTSUM"). */
export function quoteQualified(name: string, quote: QuoteFn): string {
  // A name with spaces or `$` (NAV's `CRONUS$Item Ledger Entry`) is one part unless it has a dot.
  return name
    .split('.')
    .map((part) => quote(part))
    .join('.');
}

export const quoteDouble: QuoteFn = (id) => `"${id.replace(/"/g, '""')}"`;
export const quoteBracket: QuoteFn = (id) => `[${id.replace(/]/g, ']]')}]`;

/**
 * A window bound as wall-clock text: UTC (with a `+00` offset when `withOffset`), or the local time
 * in `timezone` for naive columns stored in that zone — with that zone's offset at that instant when
 * `withOffset`. PostgreSQL needs the offset: a `timestamp` column ignores it (and compares the wall
 * clock) while a `timestamptz` column honours it, so one literal is right for both kinds of column.
 * Whole seconds get no fraction, so text-stored timestamps (SQLite, CSV) compare right at the
 * boundary. Only digits and separators: safe to embed as a literal where a bound parameter cannot
 * be used (PostgreSQL COPY).
 */
export function formatWindowBound(d: Date, timezone?: string, withOffset = true): string {
  if (Number.isNaN(d.getTime())) throw new RangeError('invalid window bound');
  if (!timezone || timezone === 'UTC')
    return formatWallClock(d.getTime(), undefined) + (withOffset ? '+00' : '');
  const wall = formatWallClock(d.getTime(), timezone);
  if (!withOffset) return wall;
  const minutes = Math.round(zoneOffsetMs(timezone, d.getTime()) / 60_000);
  const abs = Math.abs(minutes);
  return `${wall}${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

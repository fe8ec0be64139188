/** Helpers shared by the SQL adapters: identifier quoting and the SELECT a ReadRequest becomes. */

import { formatWallClock, wallClockMs, zoneOffsetMs } from '../util/zoned-time.js';
import { inInstantRange } from '../util/instant-range.js';
import type { ReadRequest } from './types.js';

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
  // parseWindowBound and sideWindow refuse such bounds first; here one would be written as text
  // no engine reads (a year 0000, -000001 or +010000).
  if (!inInstantRange(d.getTime()) || !inInstantRange(wallClockMs(d.getTime(), timezone)))
    throw new RangeError(`window bound outside 0001-01-01 to 9999-12-31 in ${timezone ?? 'UTC'}`);
  if (!timezone || timezone === 'UTC')
    return formatWallClock(d.getTime(), undefined) + (withOffset ? '+00' : '');
  const wall = formatWallClock(d.getTime(), timezone);
  if (!withOffset) return wall;
  const minutes = Math.round(zoneOffsetMs(timezone, d.getTime()) / 60_000);
  const abs = Math.abs(minutes);
  return `${wall}${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * Parameters per key-set statement: below SQL Server's 2,100 per request and small enough for a
 * statement every engine plans quickly. A key set larger than this is read in several statements.
 */
export const KEY_SET_PARAMS = 2000;

/**
 * The WHERE term of a key-set read (ReadRequest.keys): `c IN (…)` for one column, else
 * `((c1 = … AND c2 = …) OR …)` — row-value IN is not portable (SQL Server has none). `bind` renders
 * one value: a placeholder it records, or a literal. An empty set matches nothing (`1 = 0`).
 */
export function keySetClause(
  keys: NonNullable<ReadRequest['keys']>,
  quote: QuoteFn,
  bind: (value: string) => string,
): string {
  if (keys.values.length === 0) return '1 = 0';
  const cols = keys.columns.map((c) => quote(c));
  if (cols.length === 1) return `${cols[0]} IN (${keys.values.map((t) => bind(t[0]!)).join(', ')})`;
  const terms = keys.values.map((t) => `(${cols.map((c, i) => `${c} = ${bind(t[i]!)}`).join(' AND ')})`);
  return `(${terms.join(' OR ')})`;
}

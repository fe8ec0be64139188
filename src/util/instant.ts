/**
 * Instants from timestamp values: ISO 8601 in UTC at a declared precision
 * ('2026-11-25T14:03:11.000Z' for ms). Naive wall-clock values are read in a declared IANA zone.
 * Internally an instant is epoch milliseconds (a safe integer for years 0–9999) plus 0–999 extra
 * microseconds, so microsecond precision survives without floating point. Used by the engine's
 * normalizer and by SQLite's checksum functions (src/adapters), which must read values alike.
 */
import { DataError } from '../errors.js';
import { wallToUtc } from './zoned-time.js';

export type Precision = 's' | 'ms' | 'us';

/** An instant: whole epoch milliseconds plus extra microseconds (0–999). */
export interface Instant {
  ms: number;
  us: number;
}

// 'YYYY-MM-DD', then optionally [T or space]HH:MM[:SS[.fraction]], then optionally Z or ±hh[[:]mm].
const TS_RE =
  /^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?\s*$/i;

/** The error of a value that is not a timestamp. */
export function notATimestamp(raw: unknown): DataError {
  const s = raw instanceof Date ? 'an invalid Date' : String(raw);
  return new DataError(
    `"${s.length > 60 ? `${s.slice(0, 60)}…` : s}" is not a timestamp.`,
    "Expected ISO 8601 ('2026-11-25T14:03:11Z') or 'YYYY-MM-DD HH:MM:SS[.ffffff][+hh:mm]'.",
  );
}

/** Reads a timestamp: ISO text with or without zone, PostgreSQL/SQL Server text forms, or a Date (wall clock in its UTC fields). */
export function parseInstant(raw: string | Date, zone: string | undefined): Instant {
  if (raw instanceof Date) {
    const t = raw.getTime();
    if (Number.isNaN(t)) throw notATimestamp(raw);
    return { ms: wallToUtc(t, zone), us: 0 };
  }
  const m = TS_RE.exec(raw);
  if (!m) throw notATimestamp(raw);
  const [, y, mo, d, h, mi, s, frac, off] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60)
    throw notATimestamp(raw);
  const f = (frac ?? '').padEnd(6, '0');
  const msPart = Number(f.slice(0, 3));
  const us = Number(f.slice(3, 6));
  const dt = new Date(0);
  dt.setUTCFullYear(Number(y), month - 1, day);
  dt.setUTCHours(hour, minute, second, msPart);
  if (dt.getUTCDate() !== day && hour !== 24) throw notATimestamp(raw); // 2026-02-31
  let ms = dt.getTime();
  if (off === undefined) ms = wallToUtc(ms, zone);
  else if (off.toUpperCase() !== 'Z') {
    const sign = off[0] === '-' ? -1 : 1;
    const digits = off.slice(1).replace(':', '');
    const offMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0);
    ms -= sign * offMin * 60_000;
  }
  return { ms, us };
}

/** The canonical text of an instant at a precision (truncated, never rounded up across a second). */
export function formatInstant(i: Instant, precision: Precision): string {
  const iso = new Date(i.ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ for years 0–9999
  if (iso.length !== 24) throw notATimestamp(iso);
  if (precision === 'ms') return iso;
  if (precision === 's') return `${iso.slice(0, 19)}Z`;
  return `${iso.slice(0, 23)}${String(i.us).padStart(3, '0')}Z`;
}

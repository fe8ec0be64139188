/**
 * Timestamps to one canonical form: ISO 8601 in UTC at a declared precision
 * ('2026-11-25T14:03:11.000Z' for ms). Naive wall-clock values are read in a declared IANA zone.
 * Internally an instant is epoch milliseconds (a safe integer for years 0–9999) plus 0–999 extra
 * microseconds, so microsecond precision survives without floating point.
 */
import { MappingError } from '../errors.js';
import { notATimestamp as bad } from '../util/instant.js';

export { checkTimeZone, wallToUtc } from '../util/zoned-time.js';

export { formatInstant, parseInstant, type Instant, type Precision } from '../util/instant.js';

/** Reads canonical text back into epoch microseconds (as BigInt, for exact deltas). */
export function canonicalToMicros(text: string): bigint {
  const ms = Date.parse(text.length > 24 ? `${text.slice(0, 23)}Z` : text);
  if (Number.isNaN(ms)) throw bad(text);
  const us = text.length > 24 ? Number(text.slice(23, 26)) : 0;
  return BigInt(ms) * 1000n + BigInt(us);
}

/** Parses a timestamp tolerance ('1s', '500ms', '250us', '2m') into microseconds. */
export function parseDuration(text: string, where: string): bigint {
  const m = /^\s*(\d+)\s*(us|ms|s|m|h)\s*$/i.exec(text);
  if (!m) {
    throw new MappingError(
      `${where}: "${text}" is not a duration.`,
      'Write a number and a unit: 1s, 500ms, 250us, 2m or 1h.',
    );
  }
  const n = BigInt(m[1]!);
  const unit = m[2]!.toLowerCase();
  const per = { us: 1n, ms: 1000n, s: 1_000_000n, m: 60_000_000n, h: 3_600_000_000n }[unit] ?? 1n;
  return n * per;
}

/**
 * The range of instants a user-given bound may take (a --since/--until, the cutoff of a --settle or
 * --older-than age): 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z. Every supported engine can
 * compare against it (SQL Server's datetime2, PostgreSQL without BC dates, SQLite's julianday(),
 * MySQL's DATETIME from its own floor of 1000-01-01, which its adapter checks), and ISO 8601 text
 * with four year digits can write it, so bounds stored as text still sort as instants.
 */

/** 0001-01-01T00:00:00.000Z. */
export const FIRST_INSTANT_MS = Date.parse('0001-01-01T00:00:00.000Z');
/** 9999-12-31T23:59:59.999Z. */
export const LAST_INSTANT_MS = Date.parse('9999-12-31T23:59:59.999Z');
/** The range, as messages say it. */
export const INSTANT_RANGE_TEXT = 'from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z';

/** Whether epoch milliseconds lie in the range (NaN does not). */
export function inInstantRange(ms: number): boolean {
  return ms >= FIRST_INSTANT_MS && ms <= LAST_INSTANT_MS;
}

/** The instant `spanMs` before `now`; undefined when it falls outside the range (or the span is not a number). */
export function instantBefore(now: Date, spanMs: number): Date | undefined {
  const ms = now.getTime() - spanMs;
  return inInstantRange(ms) ? new Date(ms) : undefined;
}

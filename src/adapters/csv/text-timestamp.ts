/**
 * Reads the timestamp text found in CSV extracts (`2024-03-01`, `2024-03-01 10:00:00.123`,
 * `2024-03-01T10:00:00Z`, `...+02:00`) as epoch milliseconds, for window filters applied in JS.
 * Text without an offset is a wall-clock time in `timezone` (UTC when none is given).
 */
import { wallToUtc } from '../../util/zoned-time.js';

const SHAPE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Epoch milliseconds of a timestamp text, or undefined when it is not one. */
export function parseTimestampText(text: string, timezone?: string): number | undefined {
  const m = SHAPE.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const ms = Number((frac + '000').slice(0, 3));
  // Not Date.UTC alone: it reads years 0–99 as 1900–1999.
  const at = new Date(0);
  at.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  const wall = at.setUTCHours(Number(h), Number(mi), Number(s), ms);
  if (Number.isNaN(wall)) return undefined;
  if (zone) {
    if (zone.toUpperCase() === 'Z') return wall;
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
    return wall - sign * offsetMin * 60_000;
  }
  if (!timezone || timezone === 'UTC') return wall;
  return wallToUtc(wall, timezone);
}

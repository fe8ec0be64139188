/**
 * Strict checks of timestamp and date text before it is written anywhere: a value that only looks
 * like ISO 8601 (`2026-02-30T02:00:00Z`, an offset of `+99:00`) is refused with a reason, since
 * Date.parse rolls such values over or accepts them, and a target column would then hold a value no
 * reconcile can read back.
 */

// YYYY-MM-DD, then optionally [T or space]HH:MM[:SS[.fraction]], then optionally Z or ±hh[[:]mm]
// (PostgreSQL renders whole-hour offsets as +00).
const TEXT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** The widest UTC offset of any time zone (and of SQL Server's datetimeoffset): ±14:00. */
export const MAX_OFFSET_MINUTES = 14 * 60;

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Why `text` is not a real instant or date, or undefined when it is one. `need` says what must be
 * there: a zone (an event's occurredAt), a time of day, or nothing more than a calendar date.
 */
export function instantProblem(
  text: string,
  need: { zone?: boolean; time?: boolean } = {},
): string | undefined {
  const m = TEXT.exec(text);
  if (!m) return 'is not ISO 8601 (YYYY-MM-DDTHH:MM:SS[.fff]Z or ±hh:mm)';
  const [, y, mo, d, h, mi, s, , zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (year < 1) return 'has year 0000';
  if (month < 1 || month > 12) return `has month ${mo}, which does not exist`;
  if (day < 1 || day > daysIn(year, month)) return `has day ${d}, which ${y}-${mo} does not have`;
  if (h === undefined) {
    if (need.time || need.zone) return 'has no time of day';
    return zone ? 'has a zone but no time of day' : undefined;
  }
  if (Number(h) > 23) return `has hour ${h}, which does not exist`;
  if (Number(mi) > 59) return `has minute ${mi}, which does not exist`;
  if (s !== undefined && Number(s) > 59) return `has second ${s}, which does not exist`;
  if (!zone) return need.zone ? 'has no zone (Z or ±hh:mm)' : undefined;
  if (zone.toUpperCase() === 'Z') return undefined;
  const digits = zone.slice(1).replace(':', '');
  const oh = Number(digits.slice(0, 2));
  const om = Number(digits.slice(2, 4) || 0);
  if (om > 59 || oh * 60 + om > MAX_OFFSET_MINUTES)
    return `has the offset ${zone}, which no time zone has (offsets run from -14:00 to +14:00)`;
  return undefined;
}

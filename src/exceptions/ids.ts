import { UsageError } from '../errors.js';

/** The id people type: `X-000123`. */
export function formatId(n: number): string {
  return `X-${String(n).padStart(6, '0')}`;
}

/** Accepts `X-000123`, `x-123` or `123`; anything else is a UsageError. */
export function parseId(text: string): number {
  const m = /^(?:x-?)?0*(\d+)$/i.exec(text.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new UsageError(
      `"${text}" is not an exception id.`,
      'Ids look like X-000123 (or just 123); `cutover exceptions list` shows them.',
    );
  return n;
}

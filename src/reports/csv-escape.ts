import { isCanonicalDecimal } from '../util/exact-decimal.js';

/**
 * One CSV cell, quoted as RFC 4180 requires and defused as OWASP "CSV Injection" describes: a value
 * starting with `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'` so a spreadsheet shows it
 * as text instead of evaluating it. A plain decimal literal (`-1.50`) in a NUMERIC column is left
 * alone — it cannot carry a formula, and prefixing it would turn a number into text; the caller says
 * whether the column is numeric (mapping type integer/decimal, or a delta), so `-5` as a text key is
 * still prefixed.
 */
export function csvCell(value: string | number | null | undefined, numeric = false): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  const exempt = numeric && isCanonicalDecimal(text);
  if (!exempt && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV line (CRLF-terminated, as RFC 4180 and Excel expect). */
export function csvLine(cells: readonly string[]): string {
  return cells.join(',') + '\r\n';
}

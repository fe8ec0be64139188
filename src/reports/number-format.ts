/**
 * Number display helpers for reports (the decimal grammar itself is src/util/exact-decimal.ts). Values arrive as canonical decimal strings; sums are done in
 * scaled BigInt so a control total on the Summary ties out to the cent, and Number is used only to
 * hand a display value to Excel (never for a compared or summed figure).
 */
import { formatDecimal, isCanonicalDecimal, scaleOf, toScaled } from '../util/exact-decimal.js';

/** Significant digits of a decimal literal; above 15, Excel (IEEE double) would round the value. */
export function significantDigits(s: string): number {
  return s.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length;
}

/** Exact sum of decimal literals, at the largest scale among them (or `minScale`). */
export function sumDecimals(values: readonly string[], minScale = 0): string {
  const scale = values.reduce((m, v) => Math.max(m, scaleOf(v)), minScale);
  return formatDecimal(
    values.reduce((acc, v) => acc + toScaled(v, scale), 0n),
    scale,
  );
}

/** The Excel number format for a figure at `scale` digits, with the currency code when the field has one. */
export function numberFormat(scale: number, currency?: string): string {
  const id = `${scale}|${currency ?? ''}`;
  let fmt = formats.get(id);
  if (fmt === undefined) formats.set(id, (fmt = buildFormat(scale, currency)));
  return fmt;
}

const formats = new Map<string, string>();

function buildFormat(scale: number, currency?: string): string {
  const s = Math.min(Math.max(scale, 0), 30);
  const base = s > 0 ? `#,##0.${'0'.repeat(s)}` : '#,##0';
  const money = currency ? `[$${currency.replace(/[^A-Za-z]/g, '').toUpperCase()}] ${base}` : base;
  return `${money};[Red]-${money}`;
}

/** How many characters `value` takes when shown with numberFormat(scale, currency), for a column width. */
export function displayWidth(value: string, scale: number, currency?: string): number {
  if (!isCanonicalDecimal(value)) return value.length;
  const int = value.replace(/^-/, '').split('.')[0] ?? '';
  const digits = int.length + Math.floor((int.length - 1) / 3); // with thousands separators
  return (value.startsWith('-') ? 1 : 0) + digits + (scale > 0 ? scale + 1 : 0) + (currency ? currency.length + 1 : 0);
}

/**
 * The one number formatter of human output (terminal, Markdown, demo): thousands separators, money
 * at two decimals (more only when a digit would be lost), quantities whole when they are whole and
 * at their field's scale otherwise, never a product's raw scale ("106799478.8700000"). It works on
 * the decimal text itself, so no figure goes through floating point.
 */

/** How a figure is shown: its field's scale and currency, when known. */
export interface FigureStyle {
  /** The field's declared scale (digits after the point). */
  scale?: number;
  /** An ISO currency code: the figure is money, shown at two decimals and followed by the code. */
  currency?: string;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** "2370091.000" → "2,370,091"; "106799478.8700000" as USD → "106,799,478.87 USD"; text that is no number → as is. */
export function formatFigure(value: string | null | undefined, style: FigureStyle = {}): string {
  if (value === null || value === undefined) return '';
  const m = DECIMAL.exec(value);
  if (!m) return value;
  const [, sign = '', int = '0', fraction = ''] = m;
  const significant = fraction.replace(/0+$/, '');
  const digits = style.currency
    ? Math.max(2, significant.length)
    : significant.length === 0
      ? 0
      : Math.max(style.scale ?? 0, significant.length);
  const frac = significant.padEnd(digits, '0');
  const negative = sign === '-' && /[1-9]/.test(int + frac);
  const text = `${negative ? '-' : ''}${groupThousands(int.replace(/^0+(?=\d)/, ''))}${frac ? `.${frac}` : ''}`;
  return style.currency ? `${text} ${style.currency}` : text;
}

/** A count (rows, lines, items) with thousands separators: 30363 → "30,363". */
export function formatCount(n: number | bigint): string {
  return typeof n === 'bigint' ? groupThousands(n.toString()) : n.toLocaleString('en-US');
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * Exact decimal arithmetic on strings with scaled BigInt: increments on SQLite and the per-type
 * amount totals of the replay report never go through JavaScript floating point.
 */

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?$/;

/** Parses "12.500" / "-3" / 7 into a scaled BigInt; undefined when it is not a plain decimal. */
export function parseDecimal(v: unknown): { units: bigint; scale: number } | undefined {
  if (typeof v === 'bigint') return { units: v, scale: 0 };
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return undefined;
    v = String(v);
    if (/e/i.test(v as string)) return undefined;
  }
  if (typeof v !== 'string') return undefined;
  const m = DECIMAL.exec(v.trim());
  if (!m || (!m[2] && !m[3])) return undefined;
  const frac = m[3] ?? '';
  const units = BigInt(`${m[1] === '-' ? '-' : ''}${m[2] || '0'}${frac}`);
  return { units, scale: frac.length };
}

function rescale(d: { units: bigint; scale: number }, scale: number): bigint {
  return d.units * 10n ** BigInt(scale - d.scale);
}

/** Formats scaled units back to a decimal string. */
export function formatDecimal(units: bigint, scale: number): string {
  const neg = units < 0n;
  const digits = (neg ? -units : units).toString().padStart(scale + 1, '0');
  const text = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return neg ? `-${text}` : text;
}

/** a + b exactly, at the larger of the two scales; undefined when either is not a decimal. */
export function addDecimal(a: unknown, b: unknown): string | undefined {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  if (!x || !y) return undefined;
  const scale = Math.max(x.scale, y.scale);
  return formatDecimal(rescale(x, scale) + rescale(y, scale), scale);
}

/**
 * Exact decimal arithmetic on strings with scaled BigInt: increments on SQLite and the per-type
 * amount totals of the replay report never go through JavaScript floating point.
 */

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?$/;

/** Whether parseDecimal accepts `v`, without building the number. */
export function isDecimal(v: unknown): boolean {
  if (typeof v === 'string') {
    const m = DECIMAL.exec(v.trim());
    return Boolean(m && (m[2] || m[3]));
  }
  return parseDecimal(v) !== undefined;
}

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

/**
 * Exact running sums of decimal columns (the per-type totals of a replay report), kept as scaled
 * BigInt between additions; a column that once held a non-number reads 'n/a'.
 */
export class DecimalSums {
  private readonly acc = new Map<string, { units: bigint; scale: number } | null>();

  add(col: string, v: unknown): void {
    const cur = this.acc.get(col);
    if (cur === null) return;
    const d = parseDecimal(v);
    if (!d) this.acc.set(col, null);
    else if (!cur) this.acc.set(col, d);
    else if (d.scale > cur.scale)
      this.acc.set(col, { units: rescale(cur, d.scale) + d.units, scale: d.scale });
    else cur.units += rescale(d, cur.scale);
  }

  /** Adds an applied event's values of the columns its mapping reads from the event (`$.` specs). */
  addMapped(specs: Record<string, unknown> | undefined, values: Record<string, unknown>): void {
    for (const col in specs) {
      const spec = specs[col];
      if (typeof spec === 'string' && spec.startsWith('$.')) this.add(col, values[col]);
    }
  }

  /** Writes each column's sum into `into` (as decimal text, or 'n/a'). */
  writeTo(into: Record<string, string>): void {
    for (const [col, d] of this.acc) into[col] = d ? formatDecimal(d.units, d.scale) : 'n/a';
  }
}

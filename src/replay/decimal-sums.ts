/** The per-type amount totals of a replay report, summed exactly (scaled BigInt, never floating point). */
import { formatDecimal, rescale, tryParseExact, type ExactDecimal } from '../util/exact-decimal.js';

/**
 * Exact running sums of decimal columns (the per-type totals of a replay report), kept as scaled
 * BigInt between additions; a column that once held a non-number reads 'n/a'.
 */
export class DecimalSums {
  private readonly acc = new Map<string, ExactDecimal | null>();

  add(col: string, v: unknown): void {
    const cur = this.acc.get(col);
    if (cur === null) return;
    const d = tryParseExact(v);
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

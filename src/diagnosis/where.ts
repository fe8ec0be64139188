/**
 * `where`: the one dimension a cause is confined to. Every row of the cause must share the value,
 * and that must be unlikely by chance given how often the value occurs among all the run's
 * differences (p^n < 1%, p = the value's share of the run, n = the cause's rows), or be a part of
 * the record key (one journal, one location) that some other difference does not share.
 */
import { rowOf, type Difference } from '../reconcilers/types.js';
import { isDecimal, isTimestamp } from './values.js';

/** Distinct values counted per dimension before it is treated as an identifier, not a dimension. */
const MAX_VALUES = 2000;
const CHANCE = 0.01;

/** The dimensions of one difference: key fields, and carried text fields equal on both sides. */
export function dimensionsOf(d: Difference, keyFields: ReadonlySet<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [f, v] of Object.entries(d.key)) if (typeof v === 'string') out.set(f, v);
  const l = rowOf(d, 'legacy');
  const c = rowOf(d, 'cloud');
  const carried = (row: Record<string, string | null>, other?: Record<string, string | null>) => {
    for (const [f, v] of Object.entries(row)) {
      if (keyFields.has(f) || out.has(f) || typeof v !== 'string' || isDecimal(v) || isTimestamp(v)) continue;
      if (other && other[f] !== v) continue;
      if (d.type === 'mismatch' && d.fields[f]) continue;
      out.set(f, v);
    }
  };
  if (l && c) carried(l, c);
  else if (l) carried(l);
  else if (c) carried(c);
  return out;
}

/** How often each dimension value occurs among all differences of a run. */
export class DimensionCounts {
  private readonly values = new Map<string, Map<string, number>>();
  private readonly rows = new Map<string, number>();
  private readonly overflow = new Set<string>();

  add(dims: Map<string, string>): void {
    for (const [f, v] of dims) {
      this.rows.set(f, (this.rows.get(f) ?? 0) + 1);
      if (this.overflow.has(f)) continue;
      let m = this.values.get(f);
      if (!m) this.values.set(f, (m = new Map()));
      m.set(v, (m.get(v) ?? 0) + 1);
      if (m.size > MAX_VALUES) {
        this.overflow.add(f);
        this.values.delete(f);
      }
    }
  }

  /** The value's share of the run's rows that have the dimension; undefined for an identifier-like one. */
  share(field: string, value: string): number | undefined {
    const n = this.values.get(field)?.get(value);
    const rows = this.rows.get(field);
    return n === undefined || !rows ? undefined : n / rows;
  }
}

/** The values every row of one cause shares so far. */
export class SharedDimensions {
  private shared?: Map<string, string>;

  add(dims: Map<string, string>): void {
    if (!this.shared) {
      this.shared = new Map(dims);
      return;
    }
    for (const [f, v] of this.shared) if (dims.get(f) !== v) this.shared.delete(f);
  }

  /** The most telling shared dimension, or undefined when none is telling. */
  pick(
    count: number,
    run: DimensionCounts,
    exclude: string | undefined,
    keyFields: ReadonlySet<string>,
  ): Record<string, string> | undefined {
    let best: [string, string, number] | undefined;
    for (const [f, v] of this.shared ?? []) {
      if (f === exclude || count < 2) continue;
      const p = run.share(f, v);
      // A key part shared by several rows (one journal, one location) tells even in a small run.
      if (p === undefined || p >= 1 || (Math.pow(p, count) >= CHANCE && !keyFields.has(f))) continue;
      if (!best || p < best[2]) best = [f, v, p];
    }
    return best ? { [best[0]]: best[1] } : undefined;
  }
}

import type { Mapping } from '../config/mapping-schema.js';
import { rowOf, type CanonicalValue, type Difference, type TotalLine } from '../reconcilers/types.js';
import { isCanonicalDecimal, scaleOf } from '../util/exact-decimal.js';

/** How a report shows one canonical field. */
export interface FieldKind {
  kind: 'number' | 'date' | 'timestamp' | 'text';
  /** number: digits after the point, for the number format. */
  scale: number;
  currency?: string;
  label: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** A date or timestamp literal as a Date (UTC), or undefined when it is not one. */
export function parseDateValue(value: string): Date | undefined {
  if (DATE.test(value)) return new Date(`${value}T00:00:00Z`);
  if (!TIMESTAMP.test(value)) return undefined;
  const d = new Date(/(Z|[+-]\d{2}:?\d{2})$/.test(value) ? value : `${value}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** The fields of a report and the kind of each: from the mapping when there is one, else inferred from sample values. */
export class FieldKinds {
  private readonly kinds = new Map<string, FieldKind>();

  constructor(
    private readonly mapping: Mapping | undefined,
    samples: readonly Difference[],
    /** Control-total lines: their `by` parts are typed like key parts (a `day` becomes a date). */
    totals: readonly TotalLine[] = [],
  ) {
    const values = new Map<string, string[]>();
    const keyFields = new Set<string>();
    const add = (field: string, v: CanonicalValue | undefined) => {
      if (v === null || v === undefined) return;
      let list = values.get(field);
      if (!list) values.set(field, (list = []));
      if (list.length < 500) list.push(v);
    };
    for (const d of samples) {
      for (const [k, v] of Object.entries(d.key)) {
        keyFields.add(k);
        add(k, v);
      }
      for (const row of [rowOf(d, 'legacy'), rowOf(d, 'cloud')]) for (const [k, v] of Object.entries(row ?? {})) add(k, v);
      if (d.type === 'mismatch')
        for (const [k, f] of Object.entries(d.fields)) {
          add(k, f.legacy);
          add(k, f.cloud);
        }
    }
    for (const line of totals.slice(0, 2000))
      for (const [k, v] of Object.entries(line.by)) {
        keyFields.add(k);
        add(k, v);
      }
    for (const [field, list] of values) {
      if (mapping?.fields[field]) continue;
      // Without a mapping, a key part is never guessed to be a number: "00042" must stay "00042".
      this.kinds.set(field, inferKind(field, list, keyFields.has(field)));
    }
  }

  /** The kind of `field` (text when nothing is known about it). */
  get(field: string): FieldKind {
    const spec = this.mapping?.fields[field];
    if (spec) {
      const label = spec.label ?? field;
      if (spec.type === 'decimal' || spec.type === 'integer')
        return { kind: 'number', scale: spec.type === 'integer' ? 0 : (spec.scale ?? 2), currency: spec.currency, label };
      if (spec.type === 'date') return { kind: 'date', scale: 0, label };
      if (spec.type === 'timestamp') return { kind: 'timestamp', scale: 0, label };
      return { kind: 'text', scale: 0, label };
    }
    const factors = productFactors(field);
    if (factors) {
      // A `value: [a, b]` control total (on hand × unit cost): labelled and priced from its factors.
      const [a, b] = factors.map((f) => this.get(f)) as [FieldKind, FieldKind];
      return { kind: 'number', scale: a.scale + b.scale, currency: a.currency ?? b.currency, label: `${a.label} × ${b.label}` };
    }
    // The row count every control-total group carries.
    if (field === 'count' && !this.kinds.has(field)) return { kind: 'number', scale: 0, label: 'Row count' };
    return this.kinds.get(field) ?? { kind: 'text', scale: 0, label: field };
  }

  /** The mapping's field order, for stable column order (fields it does not know go last). */
  order(fields: Iterable<string>): string[] {
    const known = Object.keys(this.mapping?.fields ?? {});
    const rank = (f: string) => {
      const i = known.indexOf(f);
      return i < 0 ? Number.MAX_SAFE_INTEGER : i;
    };
    return [...new Set(fields)].sort((a, b) => rank(a) - rank(b));
  }
}

/** The two fields of a `value: [a, b]` control total's field name (`a*b`), or undefined for any other name. */
export function productFactors(field: string): [string, string] | undefined {
  const m = /^([^*]+)\*([^*]+)$/.exec(field);
  return m ? [m[1] as string, m[2] as string] : undefined;
}

function inferKind(field: string, list: readonly string[], isKey: boolean): FieldKind {
  if (list.length > 0 && list.every((v) => DATE.test(v))) return { kind: 'date', scale: 0, label: field };
  if (list.length > 0 && list.every((v) => TIMESTAMP.test(v))) return { kind: 'timestamp', scale: 0, label: field };
  if (!isKey && list.length > 0 && list.every((v) => isCanonicalDecimal(v) && !/^-?0\d/.test(v)))
    return { kind: 'number', scale: Math.max(...list.map(scaleOf)), label: field };
  return { kind: 'text', scale: 0, label: field };
}

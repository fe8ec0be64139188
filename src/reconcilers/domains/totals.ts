/**
 * Control totals: sums, value products and counts grouped by canonical fields, accumulated from the
 * canonical rows of each side as they stream past, then compared side by side. Every figure is a
 * scaled BigInt (exact); a total reflects every row read, duplicates and one-sided rows included.
 */
import { MappingError } from '../../errors.js';
import type { Mapping, TotalSpec, FieldSpec } from '../../config/mapping-schema.js';
import type { CanonicalRow, CanonicalValue, Side, TotalLine } from '../types.js';
import { formatDecimal, parseDecimal, scaleOf } from '../../util/exact-decimal.js';

/** What a total groups by: a field, or a value derived from one (the day of a timestamp). */
export interface Dimension {
  name: string;
  of(row: CanonicalRow): CanonicalValue;
}

/**
 * What a total adds up: per row a figure in units of 10^-internal (null adds nothing), shown at
 * `outScale()` once every row is seen.
 */
export interface Measure {
  name: string;
  internal: number;
  of(row: CanonicalRow): bigint | null;
  outScale(): number;
  /** The readers behind the figures: their scales seen travel with a reader thread's totals. */
  readers?: NumberReader[];
}

/** One control total: measures per distinct combination of the `by` dimensions. */
export interface TotalDef {
  group: string;
  by: Dimension[];
  measures: Measure[];
}

/** Reads a numeric field's canonical text as exact units at a fixed internal scale. */
export interface NumberReader {
  internal: number;
  read(v: CanonicalValue | undefined): bigint | null;
  /** The scale figures are shown at: the field's scale, or the most digits seen when it declares none. */
  outScale(): number;
  /** Takes in a scale seen elsewhere (another thread's rows of the same field). */
  observe(scale: number): void;
}

/** Internal scale of a decimal field that declares no scale (its canonical text keeps its own digits). */
const OPEN_SCALE = 18;

/** The reader for a numeric field: fixed at its declared scale, or open (digits as they come). */
export function numberReader(spec: FieldSpec | undefined): NumberReader {
  const declared = !spec || spec.type === 'integer' ? 0 : spec.scale;
  if (declared !== undefined)
    return {
      internal: declared,
      read: (v) => (v === null || v === undefined || v === '' ? null : unitsOf(v, declared)),
      outScale: () => declared,
      observe: () => undefined,
    };
  let seen = 0;
  return {
    internal: OPEN_SCALE,
    read: (v) => {
      if (v === null || v === undefined || v === '') return null;
      const s = Math.min(scaleOf(v), OPEN_SCALE);
      if (s > seen) seen = s;
      return unitsOf(v, s) * 10n ** BigInt(OPEN_SCALE - s);
    },
    outScale: () => seen,
    observe: (scale) => {
      if (scale > seen) seen = Math.min(scale, OPEN_SCALE);
    },
  };
}

/** Units at `internal` brought to `out` ≤ internal (exact: every figure added had ≤ out digits). */
export function toScale(units: bigint, internal: number, out: number): bigint {
  return internal === out ? units : units / 10n ** BigInt(internal - out);
}

/** The scale of a field's figures when it declares one (integers: 0); undefined for an open decimal. */
export function fieldScale(spec: FieldSpec | undefined): number | undefined {
  if (!spec || spec.type === 'integer') return 0;
  return spec.scale;
}

/**
 * Units of a canonical decimal string at `scale`. Canonical values already carry exactly `scale`
 * digits, so the fast path strips the point; anything else goes through the exact parser.
 */
export function unitsOf(text: string, scale: number): bigint {
  const dot = text.indexOf('.');
  if (scale === 0 ? dot === -1 : dot !== -1 && text.length - dot - 1 === scale) {
    const digits = dot === -1 ? text : text.slice(0, dot) + text.slice(dot + 1);
    if (/^-?\d+$/.test(digits)) return BigInt(digits);
  }
  return parseDecimal(text, scale);
}

/** A dimension that is a field's canonical value. */
export function fieldDimension(field: string): Dimension {
  return { name: field, of: (row) => row[field] ?? null };
}

/** Sum of a numeric field. */
export function sumMeasure(field: string, reader: NumberReader): Measure {
  return {
    name: field,
    internal: reader.internal,
    of: (row) => reader.read(row[field]),
    outScale: reader.outScale,
    readers: [reader],
  };
}

/** Sum of a × b, exact: the product's scale is the sum of the two scales. */
export function productMeasure(a: string, ra: NumberReader, b: string, rb: NumberReader): Measure {
  return {
    name: `${a}*${b}`,
    internal: ra.internal + rb.internal,
    of: (row) => {
      const x = ra.read(row[a]);
      const y = rb.read(row[b]);
      return x === null || y === null ? null : x * y;
    },
    outScale: () => ra.outScale() + rb.outScale(),
    readers: [ra, rb],
  };
}

/** Number of rows. */
export const countMeasure: Measure = { name: 'count', internal: 0, of: () => 1n, outScale: () => 0 };

/** The reader of a numeric field of the mapping; a non-numeric field is a MappingError naming `where`. */
export function numericReader(mapping: Mapping, field: string, where: string): NumberReader {
  const spec = mapping.fields[field];
  if (!spec || (spec.type !== 'decimal' && spec.type !== 'integer'))
    throw new MappingError(
      `${mapping.file}: ${where}: "${field}" is ${spec ? `a ${spec.type}` : 'not a'} field; only integer and decimal fields can be summed.`,
      'Sum a numeric field, or use `count: true` to count rows.',
    );
  return numberReader(spec);
}

/** The TotalDefs of a mapping's `totals:` list. */
export function totalsFromMapping(mapping: Mapping): TotalDef[] {
  return (mapping.totals ?? []).map((t: TotalSpec, i) => {
    const where = `totals[${i}]`;
    const measures: Measure[] = (t.sum ?? []).map((f) => sumMeasure(f, numericReader(mapping, f, where)));
    if (t.value) {
      const [a, b] = t.value;
      measures.push(productMeasure(a, numericReader(mapping, a, where), b, numericReader(mapping, b, where)));
    }
    if (t.count) measures.push(countMeasure);
    if (measures.length === 0)
      throw new MappingError(
        `${mapping.file}: ${where}: the total adds nothing up.`,
        'Give it `sum: [field]`, `value: [quantity, price]` or `count: true`.',
      );
    const by = (t.by ?? []).map(fieldDimension);
    return { group: t.label ?? autoLabel(by, measures), by, measures };
  });
}

/** "on_hand, count by location". */
export function autoLabel(by: Dimension[], measures: Measure[]): string {
  const what = measures.map((m) => m.name).join(', ');
  return by.length ? `${what} by ${by.map((d) => d.name).join(', ')}` : what;
}

/** The identity of one measure of one grouping, to drop a domain total the mapping already lists. */
export function measureSignature(def: TotalDef, m: Measure): string {
  return `${def.by.map((d) => d.name).join(',')}|${m.name}`;
}

/**
 * Adds `extra` totals to `base`, leaving out any measure `base` already computes for the same
 * grouping (a domain's "on_hand by location" when the mapping lists it too).
 */
export function mergeTotals(base: TotalDef[], extra: TotalDef[]): TotalDef[] {
  const seen = new Set(base.flatMap((d) => d.measures.map((m) => measureSignature(d, m))));
  const out = [...base];
  for (const d of extra) {
    const measures = d.measures.filter((m) => !seen.has(measureSignature(d, m)));
    for (const m of measures) seen.add(measureSignature(d, m));
    // An automatic label names the measures it holds: relabel when some were left out.
    const group = d.group === autoLabel(d.by, d.measures) ? autoLabel(d.by, measures) : d.group;
    if (measures.length) out.push({ ...d, group, measures });
  }
  return out;
}

/** One side's control totals as plain data (ControlTotals.exportSide). */
export interface TotalsState {
  buckets: (readonly [CanonicalValue, CanonicalValue[], bigint[]])[][];
  scales: number[];
}

interface Bucket {
  by: CanonicalValue[];
  legacy: bigint[];
  cloud: bigint[];
}

/** A new bucket of `n` zero figures per side, filed under `k`. */
function newBucket(
  map: Map<CanonicalValue, Bucket>,
  k: CanonicalValue,
  by: CanonicalValue[],
  n: number,
): Bucket {
  const b: Bucket = { by, legacy: new Array<bigint>(n).fill(0n), cloud: new Array<bigint>(n).fill(0n) };
  map.set(k, b);
  return b;
}

/**
 * The key a control total files a group under: '' without dimensions, the value itself for one, the
 * JSON of the values for several. (`add` inlines the first two, so that no array is made per row.)
 */
export function groupKey(values: readonly CanonicalValue[]): CanonicalValue {
  return values.length === 0 ? '' : values.length === 1 ? values[0]! : JSON.stringify(values);
}

/** Accumulates control totals for both sides and compares them. */
export class ControlTotals {
  private readonly buckets: Map<CanonicalValue, Bucket>[];

  constructor(readonly defs: TotalDef[]) {
    this.buckets = defs.map(() => new Map());
  }

  /** Adds one side's canonical rows. */
  add(side: Side, rows: readonly CanonicalRow[]): void {
    for (let d = 0; d < this.defs.length; d++) {
      const def = this.defs[d]!;
      const map = this.buckets[d]!;
      const n = def.measures.length;
      for (const row of rows) {
        // One dimension (the usual case) keys by its value itself, null included: no encoding per row.
        const k =
          def.by.length === 0
            ? ''
            : def.by.length === 1
              ? def.by[0]!.of(row)
              : groupKey(def.by.map((dim) => dim.of(row)));
        const acc = (map.get(k) ??
          newBucket(
            map,
            k,
            def.by.map((dim) => dim.of(row)),
            n,
          ))[side];
        for (let i = 0; i < n; i++) {
          const v = def.measures[i]!.of(row);
          if (v !== null) acc[i]! += v;
        }
      }
    }
  }

  /**
   * One side's accumulated figures as plain data (a reader thread's totals, posted to the main
   * thread): per total its buckets, and the scale each reader has seen.
   */
  exportSide(side: Side): TotalsState {
    return {
      buckets: this.buckets.map((map) => [...map].map(([k, b]) => [k, b.by, b[side]] as const)),
      scales: this.readers().map((r) => r.outScale()),
    };
  }

  /** Adds what a reader thread accumulated for `side` (exportSide) to these totals: exact, in any order. */
  importSide(side: Side, state: TotalsState): void {
    state.buckets.forEach((entries, d) => {
      const map = this.buckets[d]!;
      const n = this.defs[d]!.measures.length;
      for (const [k, by, figures] of entries) {
        const acc = (map.get(k) ?? newBucket(map, k, by, n))[side];
        for (let i = 0; i < n; i++) acc[i]! += figures[i]!;
      }
    });
    this.readers().forEach((r, i) => r.observe(state.scales[i]!));
  }

  /** Every reader behind a measure, in definition order (the same on every thread). */
  private readers(): NumberReader[] {
    return this.defs.flatMap((d) => d.measures.flatMap((m) => m.readers ?? []));
  }

  /** Every line, legacy vs cloud; difference = cloud − legacy. Groups in definition order, then by value. */
  lines(): TotalLine[] {
    const out: TotalLine[] = [];
    this.defs.forEach((def, d) => {
      const buckets = [...this.buckets[d]!.values()].sort((x, y) => compareBy(x.by, y.by));
      // A grand total is shown even when no row was read, so an empty side reads as 0 not as absent.
      if (def.by.length === 0 && buckets.length === 0)
        buckets.push({
          by: [],
          legacy: def.measures.map(() => 0n),
          cloud: def.measures.map(() => 0n),
        });
      for (const b of buckets) {
        const by = Object.fromEntries(def.by.map((dim, i) => [dim.name, b.by[i] ?? null]));
        def.measures.forEach((m, i) => {
          const scale = m.outScale();
          const l = toScale(b.legacy[i]!, m.internal, scale);
          const c = toScale(b.cloud[i]!, m.internal, scale);
          out.push({
            group: def.group,
            by,
            field: m.name,
            legacy: formatDecimal(l, scale),
            cloud: formatDecimal(c, scale),
            difference: formatDecimal(c - l, scale),
            scale,
          });
        });
      }
    });
    return out;
  }
}

/** Orders group values by code point, nulls first: stable across engines and locales. */
function compareBy(a: CanonicalValue[], b: CanonicalValue[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/** Is a formatted figure zero ("0", "0.000", "-0.00")? */
export function isZeroFigure(text: string): boolean {
  return /^-?0*(\.0*)?$/.test(text);
}

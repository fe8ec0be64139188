/**
 * Checksum pushdown (docs/technical-explanation.md §9): each side's database hashes every row into
 * a bucket by its key and sums the row hashes per bucket; buckets that agree on both sides are
 * matched without moving a row, and only the rows of the differing buckets are read into the exact
 * engine. What a field's SQL form may be is decided here, from the mapping alone (before any
 * connection) and then from the columns' kinds (after connecting); the SQL itself is the adapters'.
 */
import type {
  Adapter,
  BucketSelection,
  BucketSum,
  ChecksumSpec,
  ColumnKind,
  PushField,
  RawValue,
  TotalsMeasure,
} from '../adapters/types.js';
import { parseDecimal } from '../util/exact-decimal.js';
import { groupKey, type ControlTotals, type TotalsState } from './domains/totals.js';
import type { SideNormalizer } from './normalize.js';
import type { ConnectionConfig } from '../adapters/settings.js';
import type { ColumnSpecInput, Mapping } from '../config/mapping-schema.js';
import type { PushdownSummary, Side } from './types.js';

export type PushdownMode = NonNullable<Mapping['pushdown']>;

/**
 * Rows in the differing level-1 buckets (on the larger side) from which they may be split again by
 * more bits of the key hash before streaming: below this, a second scan costs more than it saves.
 */
export const LEVEL2_MIN_ROWS = 20_000;

/** Both sides' checksum specs, or why the mapping cannot be pushed down. */
export type PushdownPlan =
  | {
      specs: Record<Side, ChecksumSpec>;
      /** Every field as each side's SQL writes it (compared or not): what totals are computed over. */
      fields: Record<Side, Map<string, PushField>>;
    }
  | { reason: string };

interface RunShape {
  /** A --since/--until window. */
  window: boolean;
  /** A settle window. */
  settle: boolean;
}

type ColumnObject = Exclude<ColumnSpecInput, string>;

/** The fields that go into the row form: the key's, then every compared field. */
function pushedFields(mapping: Mapping): { key: string[]; rest: string[] } {
  const key = [...mapping.key];
  const rest = Object.keys(mapping.fields).filter(
    (f) => !key.includes(f) && mapping.fields[f]!.compare !== false,
  );
  return { key, rest };
}

function sideField(
  mapping: Mapping,
  side: Side,
  name: string,
  connections: Record<string, ConnectionConfig>,
): PushField | string {
  const field = mapping.fields[name]!;
  const input = mapping[side].columns[name];
  const spec: ColumnObject =
    input === undefined ? { column: name } : typeof input === 'string' ? { column: input } : input;
  const where = `${side}.columns.${name}`;
  if (spec.value !== undefined) return `${where} is a constant`;
  if (spec.map !== undefined) return `${where} maps values`;
  if (spec.case ?? field.case)
    return `field ${name} changes case (the SQL's case rules are not the engine's)`;
  if (spec.nullAs !== undefined || field.nullAs !== undefined) return `field ${name} reads NULL as a value`;
  if (spec.signFrom) return `${where} takes its sign from another column`;
  if (spec.multiply !== undefined || spec.divide !== undefined) return `${where} multiplies or divides`;
  const column = spec.column ?? name;
  switch (field.type) {
    case 'string':
      return { column, form: 'string', trim: spec.trim ?? field.trim ?? false };
    case 'integer':
      return { column, form: 'number', scale: 0 };
    case 'decimal':
      if (field.scale === undefined) return `field ${name} declares no scale`;
      return {
        column,
        form: 'number',
        scale: field.scale,
        ...(field.round === 'half-even' ? {} : { round: field.round ?? 'half-up' }),
      };
    case 'boolean':
      return { column, form: 'boolean' };
    case 'date':
      return { column, form: 'date' };
    case 'timestamp': {
      const zone = spec.timezone ?? mapping[side].timezone ?? connections[mapping[side].connection]?.timezone;
      return { column, form: 'timestamp', ...(zone ? { zone } : {}) };
    }
  }
}

/**
 * Decides from the mapping alone whether its rows can be checksummed in SQL, and writes each side's
 * spec. A reason names the first thing that stops it (`auto` streams and says so; `on` refuses).
 */
export function planPushdown(
  mapping: Mapping,
  connections: Record<string, ConnectionConfig>,
  run: RunShape,
): PushdownPlan {
  if (run.window) return { reason: 'a --since/--until window is applied to canonical values' };
  if (run.settle) return { reason: "the settle window needs every row's age" };
  if (mapping.domain === 'refunds' || mapping.domain === 'postings')
    return { reason: `the ${mapping.domain} domain's checks read every row` };
  const { key, rest } = pushedFields(mapping);
  const specs = {} as Record<Side, ChecksumSpec>;
  const fields = { legacy: new Map(), cloud: new Map() } as Record<Side, Map<string, PushField>>;
  for (const side of ['legacy', 'cloud'] as const) {
    const s = mapping[side];
    if (!s.table) return { reason: `the ${side} side reads a query:, which pushdown does not wrap` };
    const build = (names: string[]): PushField[] | string => {
      const out: PushField[] = [];
      for (const n of names) {
        const f = sideField(mapping, side, n, connections);
        if (typeof f === 'string') return f;
        out.push(f);
      }
      return out;
    };
    const k = build(key);
    if (typeof k === 'string') return { reason: k };
    const r = build(rest);
    if (typeof r === 'string') return { reason: r };
    specs[side] = { side, table: s.table, ...(s.where ? { where: s.where } : {}), key: k, fields: r };
    [...key, ...rest].forEach((n, i) => fields[side].set(n, i < k.length ? k[i]! : r[i - k.length]!));
    for (const n of Object.keys(mapping.fields)) {
      if (fields[side].has(n)) continue;
      const f = sideField(mapping, side, n, connections);
      if (typeof f !== 'string') fields[side].set(n, f);
    }
  }
  return { specs, fields };
}

/** Whether a field's SQL form is exact for a column of this kind; a reason when it is not. */
function kindProblem(f: PushField, kind: ColumnKind): string | undefined {
  if (kind === 'any') return undefined;
  const ok =
    f.form === 'string'
      ? kind === 'text' || (kind === 'char' && f.trim)
      : f.form === 'number'
        ? kind === 'integer' || kind === 'exact'
        : f.form === 'boolean'
          ? kind === 'boolean' || kind === 'integer'
          : f.form === 'date'
            ? kind === 'date'
            : kind === 'instant' || (kind === 'naive' && (!f.zone || f.zone === 'UTC'));
  if (ok) return undefined;
  if (f.form === 'timestamp' && kind === 'naive')
    return `column ${f.column} holds wall-clock times in ${f.zone}, which this engine's SQL does not turn into UTC exactly`;
  if (kind === 'char') return `column ${f.column} is fixed-width CHAR and the field does not trim`;
  return `column ${f.column} is a ${kind} column read as a ${f.form}`;
}

/**
 * Checks each side's columns with its database (their kinds), filling in what the SQL needs; a
 * reason when a column's values cannot be written exactly, or the source computes no checksums.
 */
export async function checkPushdownColumns(
  plan: Extract<PushdownPlan, { specs: unknown }>,
  adapters: Record<Side, Adapter>,
  /** Fields the control totals add up or group by: their columns must be exact too. */
  totalsFields: readonly string[] = [],
): Promise<string | undefined> {
  for (const side of ['legacy', 'cloud'] as const) {
    const a = adapters[side];
    if (!a.checksums || !a.columnKinds) return `the ${side} source (${a.dialect}) computes no checksums`;
    const spec = plan.specs[side];
    const extra = totalsFields.map((n) => plan.fields[side].get(n)!);
    const all = [...new Set([...spec.key, ...spec.fields, ...extra])];
    const columns = [...new Set(all.map((f) => f.column))];
    const kinds = await a.columnKinds({ table: spec.table, columns });
    const kindOf = new Map(columns.map((c, i) => [c, kinds[i] ?? 'other']));
    for (const f of all) {
      const kind = kindOf.get(f.column)!;
      const problem = kindProblem(f, kind);
      if (problem) return `${side}: ${problem}`;
      f.kind = kind;
    }
  }
  // A unique index on the key's columns rules out a key twice (unless trimming could merge two).
  for (const side of ['legacy', 'cloud'] as const) {
    const spec = plan.specs[side];
    if (spec.key.some((f) => f.trim)) continue;
    const unique = await adapters[side].keyIsUnique?.(
      spec.table,
      spec.key.map((f) => f.column),
    );
    if (unique) spec.uniqueKey = true;
  }
  // Both sides one dialect with a hash of its own: that one, faster than MD5.
  const native = adapters.legacy.nativeChecksum;
  if (native && native === adapters.cloud.nativeChecksum)
    for (const side of ['legacy', 'cloud'] as const) plan.specs[side].hash = 'native';
  return undefined;
}

/**
 * One side's bucket figures, held in typed arrays indexed by bucket (dense: a million buckets take
 * 32 MB, not a Map of objects) or in a Map when the buckets are few of many (a level-2 split).
 */
class BucketFigures {
  private readonly dense?: Float64Array;
  private readonly sparse?: Map<number, BucketSum>;

  constructor(bits: number, dense: boolean) {
    if (dense) this.dense = new Float64Array(2 ** bits * 4).fill(-1);
    else this.sparse = new Map();
  }

  /** The buckets either side may have (both held alike): every number (dense), or those seen (sparse). */
  *with(other: BucketFigures): Iterable<number> {
    if (this.sparse) yield* new Set([...this.sparse.keys(), ...other.sparse!.keys()]);
    else for (let b = 0; b < this.dense!.length / 4; b++) yield b;
  }

  add(b: BucketSum): void {
    if (this.sparse) this.sparse.set(b.bucket, b);
    else {
      const i = b.bucket * 4;
      this.dense![i] = b.rows;
      this.dense![i + 1] = b.keys;
      this.dense![i + 2] = b.h1;
      this.dense![i + 3] = b.h2;
    }
  }

  /** rows, keys, h1, h2 of a bucket (undefined: the side has no row in it). */
  get(bucket: number): [number, number, number, number] | undefined {
    if (this.sparse) {
      const b = this.sparse.get(bucket);
      return b && [b.rows, b.keys, b.h1, b.h2];
    }
    const i = bucket * 4;
    const d = this.dense!;
    return d[i]! < 0 ? undefined : [d[i]!, d[i + 1]!, d[i + 2]!, d[i + 3]!];
  }
}

/**
 * Buckets that agree: the same rows, no key twice, the same sums (a NaN figure — not a safe
 * integer — never agrees: that bucket is read).
 */
function agrees(a: number[] | undefined, b: number[] | undefined): boolean {
  return (
    a !== undefined &&
    b !== undefined &&
    a[0] === b[0] &&
    a[1] === a[0] &&
    b[1] === b[0] &&
    a[2] === b[2] &&
    a[3] === b[3]
  );
}

interface Compared {
  differing: number[];
  matched: number;
  rows: Record<Side, number>;
}

function compareBuckets(l: BucketFigures, c: BucketFigures): Compared {
  const out: Compared = { differing: [], matched: 0, rows: { legacy: 0, cloud: 0 } };
  for (const b of l.with(c)) {
    const x = l.get(b);
    const y = c.get(b);
    if (!x && !y) continue;
    if (agrees(x, y)) out.matched += x![0];
    else {
      out.differing.push(b);
      out.rows.legacy += x?.[0] ?? 0;
      out.rows.cloud += y?.[0] ?? 0;
    }
  }
  out.differing.sort((a, b) => a - b);
  return out;
}

/** What checksumming found: the buckets to stream, and the rows matched without reading them. */
export interface PushdownResult {
  filter: BucketSelection[];
  matched: number;
  summary: PushdownSummary;
}

/** Rows per level-1 bucket aimed at: differing buckets then bring few rows along. */
const ROWS_PER_BUCKET = 16;
/** Level-1 bucket bits: 2^10 to 2^20 buckets (a million: 32 MB of figures per side). */
const MIN_BITS = 10;
const MAX_BITS = 20;

/** Level-1 bits for a table of about `rows` rows (16 bits when no side can estimate). */
export function bucketBits(rows: number | undefined): number {
  if (rows === undefined || !Number.isFinite(rows)) return 16;
  const bits = Math.ceil(Math.log2(Math.max(1, rows) / ROWS_PER_BUCKET));
  return Math.min(MAX_BITS, Math.max(MIN_BITS, bits));
}

/**
 * Runs the bucket checksums on both sides (at once): buckets sized from the tables' row estimates,
 * and the differing buckets split again when they still hold many rows each.
 */
export async function checksumBuckets(
  specs: Record<Side, ChecksumSpec>,
  adapters: Record<Side, Adapter>,
): Promise<PushdownResult> {
  const estimates = await Promise.all(
    (['legacy', 'cloud'] as const).map((side) => adapters[side].estimateRows?.(specs[side].table)),
  );
  const known = estimates.filter((n): n is number => n !== undefined);
  const bits = bucketBits(known.length ? Math.max(...known) : undefined);
  const both = async (b: number, within?: BucketSelection) => {
    const figures = (['legacy', 'cloud'] as const).map(() => new BucketFigures(b, !within));
    await Promise.all(
      (['legacy', 'cloud'] as const).map((side, i) =>
        adapters[side].checksums!({ spec: specs[side], bits: b, ...(within ? { within } : {}) }, (x) =>
          figures[i]!.add(x),
        ),
      ),
    );
    return compareBuckets(figures[0]!, figures[1]!);
  };
  const first = await both(bits);
  let matched = first.matched;
  const summary: PushdownSummary = {
    mode: 'checksum',
    buckets: 2 ** bits,
    bucketsDiffering: first.differing.length,
    rowsStreamed: first.rows,
  };
  let filter: BucketSelection[] = [{ bits, buckets: first.differing }];
  // The estimate was low (or the table grew): the differing buckets hold many rows each. Split
  // them by more bits, so that the sub-buckets hold about ROWS_PER_BUCKET rows.
  const most = Math.max(first.rows.legacy, first.rows.cloud);
  const perBucket = first.differing.length ? most / first.differing.length : 0;
  const more = Math.min(8, Math.floor(Math.log2(perBucket / ROWS_PER_BUCKET)));
  if (most >= LEVEL2_MIN_ROWS && more >= 2) {
    const second = await both(bits + more, { bits, buckets: first.differing });
    matched += second.matched;
    filter = [{ bits: bits + more, buckets: second.differing }];
    summary.subBucketsDiffering = second.differing.length;
    summary.rowsStreamed = second.rows;
  }
  summary.rowsMatchedInDatabase = matched;
  return { filter, matched, summary };
}

/** One control total as SQL computes it: the fields it groups by and each measure's fields. */
interface TotalQuery {
  by: string[];
  measures: ({ count: true } | { sum: string } | { product: [string, string] })[];
}

/**
 * The run's control totals as queries each side's SQL can compute exactly, or why not: grouped by
 * fields read as they are (turned canonical after), adding up integer and decimal fields.
 */
export function planTotals(
  plan: Extract<PushdownPlan, { specs: unknown }>,
  totals: ControlTotals,
): { queries: TotalQuery[]; fields: string[] } | { reason: string } {
  const used = new Set<string>();
  const queries: TotalQuery[] = [];
  const pushable = (name: string, numeric: boolean): boolean =>
    (['legacy', 'cloud'] as const).every((side) => {
      const f = plan.fields[side].get(name);
      return f !== undefined && (numeric ? f.form === 'number' : f.form !== 'timestamp');
    });
  for (const def of totals.defs) {
    const q: TotalQuery = { by: def.by.map((d) => d.name), measures: [] };
    for (const b of q.by)
      if (!pushable(b, false))
        return { reason: `the total "${def.group}" groups by ${b}, which SQL cannot read exactly here` };
    for (const m of def.measures) {
      const parts = m.name === 'count' && m.internal === 0 ? [] : m.name.split('*');
      for (const f of parts)
        if (!pushable(f, true))
          return { reason: `the total "${def.group}" adds up ${f}, which SQL cannot add exactly here` };
      q.measures.push(
        parts.length === 0
          ? { count: true }
          : parts.length === 1
            ? { sum: parts[0]! }
            : { product: [parts[0]!, parts[1]!] },
      );
      parts.forEach((f) => used.add(f));
    }
    q.by.forEach((f) => used.add(f));
    queries.push(q);
  }
  return { queries, fields: [...used] };
}

/**
 * Computes the control totals in each side's SQL and adds them to `totals` (both sides, or neither):
 * undefined when done, else why not (a value with more digits than its field's scale: the SQL's
 * sum would not be the engine's, whose every value is brought to scale first).
 */
export async function totalsInDatabase(
  plan: Extract<PushdownPlan, { specs: unknown }>,
  queries: TotalQuery[],
  totals: ControlTotals,
  adapters: Record<Side, Adapter>,
  normalizers: Record<Side, SideNormalizer>,
): Promise<string | undefined> {
  const states = {} as Record<Side, TotalsState>;
  for (const side of ['legacy', 'cloud'] as const) {
    const a = adapters[side];
    if (!a.totals) return `the ${side} source (${a.dialect}) computes no totals`;
    const fields = plan.fields[side];
    const norm = normalizers[side];
    const buckets: TotalsState['buckets'] = [];
    for (const [d, q] of queries.entries()) {
      const def = totals.defs[d]!;
      const measures: TotalsMeasure[] = q.measures.map((m) =>
        'count' in m
          ? m
          : 'sum' in m
            ? { sum: fields.get(m.sum)! }
            : { product: [fields.get(m.product[0])!, fields.get(m.product[1])!] },
      );
      const rows = await a.totals({ spec: plan.specs[side], by: q.by.map((b) => fields.get(b)!), measures });
      const entries: TotalsState['buckets'][number] = [];
      for (const row of rows) {
        if (BigInt(String(row[q.by.length + measures.length] ?? 0).replace(/\.0*$/, '')) > 0n)
          return `${side}: a field a total adds up holds values with more digits than its scale, which this engine's SQL does not round as the engine does`;
        // The group's values turned canonical, as the normalizer reads them from a row.
        const raw: RawValue[] = norm.columns.map(() => null);
        q.by.forEach((b, i) => (raw[norm.columns.indexOf(fields.get(b)!.column)] = row[i] ?? null));
        const canonical = q.by.length ? norm.normalize(raw) : {};
        const by = q.by.map((b) => canonical[b] ?? null);
        const figures = def.measures.map((m, i) => {
          const v = row[q.by.length + i];
          return v === null || v === undefined ? 0n : parseDecimal(String(v), m.internal);
        });
        entries.push([groupKey(by), by, figures] as const);
      }
      buckets.push(entries);
    }
    states[side] = { buckets, scales: totals.exportSide(side).scales };
  }
  for (const side of ['legacy', 'cloud'] as const) totals.importSide(side, states[side]);
  return undefined;
}

/**
 * Checksum pushdown (docs/technical-explanation.md §8): each side's database hashes every row into
 * a bucket by its key and sums the row hashes per bucket; buckets that agree on both sides are
 * matched without moving a row, and only the rows of the differing buckets are read into the exact
 * engine. What a field's SQL form may be is decided here, from the mapping alone (before any
 * connection) and then from the columns' kinds (after connecting); the SQL itself is the adapters'.
 */
import type { Adapter, BucketSum, ChecksumSpec, ColumnKind, PushField } from '../adapters/types.js';
import type { ConnectionConfig } from '../adapters/settings.js';
import type { Mapping } from '../config/mapping-schema.js';
import type { PushdownSummary, Side } from './types.js';

export type { PushdownSummary } from './types.js';

export const PUSHDOWN_MODES = ['auto', 'on', 'off'] as const;
export type PushdownMode = NonNullable<Mapping['pushdown']>;

/** Level-1 buckets: the first 16 bits of the key hash. */
export const LEVEL1_BUCKETS = 65536;

/**
 * Rows in the differing level-1 buckets (on the larger side) from which they are split again by
 * the next 8 bits of the key hash before streaming: below this, a second scan costs more than it saves.
 */
export const LEVEL2_MIN_ROWS = 20_000;

/** Both sides' checksum specs, or why the mapping cannot be pushed down. */
export type PushdownPlan = { specs: Record<Side, ChecksumSpec> } | { reason: string };

interface RunShape {
  /** A --since/--until window. */
  window: boolean;
  /** A settle window. */
  settle: boolean;
}

type ColumnObject = {
  column?: string;
  value?: unknown;
  map?: unknown;
  unmapped?: unknown;
  trim?: boolean;
  case?: string;
  multiply?: unknown;
  divide?: unknown;
  timezone?: string;
  nullAs?: unknown;
  signFrom?: unknown;
};

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
  if (spec.case ?? field.case) return `field ${name} changes case (the SQL's case rules are not the engine's)`;
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
      return { column, form: 'number', scale: field.scale };
    case 'boolean':
      return { column, form: 'boolean' };
    case 'date':
      return { column, form: 'date' };
    case 'timestamp': {
      const zone =
        spec.timezone ?? mapping[side].timezone ?? connections[mapping[side].connection]?.timezone;
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
  if (mapping.domain && mapping.domain !== 'custom')
    return { reason: `the ${mapping.domain} domain's checks and totals read every row` };
  if (mapping.totals?.length) return { reason: 'control totals are added up from every row' };
  const { key, rest } = pushedFields(mapping);
  const specs = {} as Record<Side, ChecksumSpec>;
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
  }
  return { specs };
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
  specs: Record<Side, ChecksumSpec>,
  adapters: Record<Side, Adapter>,
): Promise<string | undefined> {
  for (const side of ['legacy', 'cloud'] as const) {
    const a = adapters[side];
    if (!a.checksums || !a.columnKinds) return `the ${side} source (${a.dialect}) computes no checksums`;
    const spec = specs[side];
    const all = [...spec.key, ...spec.fields];
    const kinds = await a.columnKinds({ table: spec.table, columns: [...new Set(all.map((f) => f.column))] });
    const kindOf = new Map([...new Set(all.map((f) => f.column))].map((c, i) => [c, kinds[i] ?? 'other']));
    for (const f of all) {
      const kind = kindOf.get(f.column)!;
      const problem = kindProblem(f, kind);
      if (problem) return `${side}: ${problem}`;
      f.kind = kind;
    }
  }
  return undefined;
}

/** Buckets that agree: the same rows, no key twice, the same sums. */
function agrees(a: BucketSum | undefined, b: BucketSum | undefined): boolean {
  return (
    a !== undefined &&
    b !== undefined &&
    a.rows === b.rows &&
    a.keys === a.rows &&
    b.keys === b.rows &&
    a.h1 === b.h1 &&
    a.h2 === b.h2
  );
}

interface Compared {
  differing: number[];
  matched: number;
  rows: Record<Side, number>;
}

function compareBuckets(l: BucketSum[], c: BucketSum[]): Compared {
  const lm = new Map(l.map((b) => [b.bucket, b]));
  const cm = new Map(c.map((b) => [b.bucket, b]));
  const out: Compared = { differing: [], matched: 0, rows: { legacy: 0, cloud: 0 } };
  for (const b of new Set([...lm.keys(), ...cm.keys()])) {
    const x = lm.get(b);
    const y = cm.get(b);
    if (agrees(x, y)) out.matched += Number(x!.rows);
    else {
      out.differing.push(b);
      out.rows.legacy += Number(x?.rows ?? 0n);
      out.rows.cloud += Number(y?.rows ?? 0n);
    }
  }
  out.differing.sort((a, b) => a - b);
  return out;
}

/** What checksumming found: the buckets to stream, and the rows matched without reading them. */
export interface PushdownResult {
  filter: { level1: number[]; level2: number[] };
  matched: number;
  summary: PushdownSummary;
}

/** Runs the bucket checksums on both sides (at once), and splits the differing buckets again when they are large. */
export async function checksumBuckets(
  specs: Record<Side, ChecksumSpec>,
  adapters: Record<Side, Adapter>,
): Promise<PushdownResult> {
  const both = (within?: number[]) =>
    Promise.all([
      adapters.legacy.checksums!({ spec: specs.legacy, ...(within ? { within } : {}) }),
      adapters.cloud.checksums!({ spec: specs.cloud, ...(within ? { within } : {}) }),
    ]);
  const [l1, c1] = await both();
  const first = compareBuckets(l1, c1);
  let matched = first.matched;
  const summary: PushdownSummary = {
    mode: 'checksum',
    buckets: LEVEL1_BUCKETS,
    bucketsDiffering: first.differing.length,
    rowsStreamed: first.rows,
  };
  let filter = { level1: first.differing, level2: [] as number[] };
  if (Math.max(first.rows.legacy, first.rows.cloud) >= LEVEL2_MIN_ROWS) {
    const [l2, c2] = await both(first.differing);
    const second = compareBuckets(l2, c2);
    matched += second.matched;
    filter = { level1: [], level2: second.differing };
    summary.subBucketsDiffering = second.differing.length;
    summary.rowsStreamed = second.rows;
  }
  summary.rowsMatchedInDatabase = matched;
  return { filter, matched, summary };
}

import type { FieldSpec, Mapping, SideSpec } from '../../../src/config/mapping-schema.js';
import type { CanonicalRow, Difference, MismatchDifference } from '../../../src/reconcilers/types.js';
import {
  compareEncoded,
  compareStreams,
  type CompareOptions,
  type CompareStats,
} from '../../../src/reconcilers/compare.js';
import { encodeSide, type SideJob } from '../../../src/reconcilers/parallel-read.js';
import type { Adapter, RawValue } from '../../../src/adapters/types.js';

/** A mapping for tests: fields map to same-named columns on both sides unless overridden. */
export function makeMapping(
  fields: Record<string, FieldSpec>,
  key: string[],
  extra: Partial<Mapping> & { legacyColumns?: SideSpec['columns']; cloudColumns?: SideSpec['columns'] } = {},
): Mapping {
  const cols = Object.fromEntries(Object.keys(fields).map((f) => [f, f]));
  const { legacyColumns, cloudColumns, ...rest } = extra;
  return {
    name: 'test',
    file: 'mappings/test.yaml',
    key,
    fields,
    legacy: { connection: 'legacy', table: 'l', columns: { ...cols, ...legacyColumns } },
    cloud: { connection: 'cloud', table: 'c', columns: { ...cols, ...cloudColumns } },
    ...rest,
  };
}

/** Rows as an async stream of batches. */
export async function* batches(rows: CanonicalRow[], size = 3): AsyncGenerator<CanonicalRow[]> {
  for (let i = 0; i < rows.length; i += size) {
    await Promise.resolve();
    yield rows.slice(i, i + size);
  }
}

/** Runs the engine to the end: every difference and the returned stats. */
export async function runCompare(
  mapping: Mapping,
  legacy: CanonicalRow[],
  cloud: CanonicalRow[],
  opts: CompareOptions = {},
): Promise<{ diffs: Difference[]; stats: CompareStats }> {
  const gen = compareStreams(mapping, batches(legacy), batches(cloud), opts);
  const diffs: Difference[] = [];
  for (;;) {
    const r = await gen.next();
    if (r.done) return { diffs, stats: r.value };
    diffs.push(r.value);
  }
}

/** A stable order for comparing difference lists. */
export function sortDiffs(d: Difference[]): Difference[] {
  const k = (x: Difference) => `${x.type}|${JSON.stringify(x.key)}|${'side' in x ? x.side : ''}`;
  return [...d].sort((a, b) => (k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0));
}

/** The difference as a mismatch; fails the test when it is another kind (or absent). */
export function asMismatch(d: Difference | undefined): MismatchDifference {
  if (d?.type !== 'mismatch') throw new Error(`expected a mismatch, got ${JSON.stringify(d)}`);
  return d;
}

/** An adapter stand-in whose read yields the given raw rows in batches (for encodeSide). */
export function fakeAdapter(rows: RawValue[][], size = 3): Adapter {
  return {
    read: async function* () {
      for (let i = 0; i < rows.length; i += size) {
        await Promise.resolve();
        yield rows.slice(i, i + size);
      }
    },
  } as unknown as Adapter;
}

/** Runs the reader threads' path in this thread: raw rows → encodeSide (RowPacker) → compareEncoded. */
export async function runEncoded(
  mapping: Mapping,
  legacy: RawValue[][],
  cloud: RawValue[][],
  opts: CompareOptions = {},
): Promise<{ diffs: Difference[]; stats: CompareStats }> {
  const job = (side: 'legacy' | 'cloud'): SideJob => ({
    connection: { name: side, url: 'sqlite::memory:' },
    mapping,
    side,
    request: { columns: [] },
  });
  const gen = compareEncoded(
    mapping,
    encodeSide(job('legacy'), fakeAdapter(legacy)),
    encodeSide(job('cloud'), fakeAdapter(cloud)),
    opts,
  );
  const diffs: Difference[] = [];
  for (;;) {
    const r = await gen.next();
    if (r.done) return { diffs, stats: r.value };
    diffs.push(r.value);
  }
}

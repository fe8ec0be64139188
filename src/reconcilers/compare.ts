/**
 * The dual-run compare engine: a hash join of both sides on the canonical key encoding, through a
 * hash-partitioned store that spills to temporary files past the memory budget. It never relies on
 * the two engines agreeing about ORDER BY. See docs/technical-explanation.md.
 */
import type { Mapping } from '../config/mapping-schema.js';
import type { CanonicalRow, Difference, FieldDelta, ReconcileCounts } from './types.js';
import { buildFieldComparator, type FieldComparator } from './field-compare.js';
import { heldLayout, parseLine, PARTITIONS, type EncodedBatch, type HeldLayout } from './held-row.js';
import {
  PartitionReader,
  PartitionStore,
  hashKey,
  type PartitionSource,
  type SideIndex,
} from './partition-store.js';
import { LineTable, lineAt, scanLine } from './line-table.js';
import { startJoinThread, type JoinResult, type JoinThread } from './join-thread.js';
import { RowPacker } from './parallel-pack.js';
import { dict } from '../util/dict.js';

export { PARTITIONS, type EncodedBatch } from './held-row.js';

export interface CompareOptions {
  /** Memory budget in MB (default 512). */
  memoryMb?: number;
  /** Where spill files go (default: the OS temp folder). */
  tmpDir?: string;
  onProgress?: (p: { legacyRows: number; cloudRows: number }) => void;
  /** Told when both sides are read and the join starts (the run's log times its phases). */
  onJoin?: (how: { spilled: boolean; joinThread: boolean }) => void;
  /**
   * Join partitions on a thread of its own too (the command does) when there are at least
   * `joinThreadMinBytes` to join (default JOIN_THREAD_MIN_BYTES): below that, starting the thread
   * costs more than it saves. The thread starts as soon as that much is read, so it has loaded by
   * the time the join begins. Not with `maxDifferences`, whose stop counts only what was joined.
   */
  joinThread?: boolean;
  joinThreadMinBytes?: number;
  /** Spill from the first row (tests). */
  forceSpill?: boolean;
  /**
   * Stop the join as soon as this many differences are yielded (--max-differences): the stats then
   * say `stopped` and count only what was joined. Both sides are read in full first (a hash join cannot
   * tell a missing row from a late one before), so the stop saves the rest of the join and, above
   * all, the storing and queueing of every further difference.
   */
  maxDifferences?: number;
}

/** Counts at zero. */
export function zeroCounts(): ReconcileCounts {
  return {
    legacy: 0,
    cloud: 0,
    matched: 0,
    mismatched: 0,
    missingInCloud: 0,
    missingInLegacy: 0,
    duplicateKeys: 0,
  };
}

export interface CompareStats {
  counts: ReconcileCounts;
  fieldMismatches: Record<string, number>;
  spilled: boolean;
  /** The join stopped at `maxDifferences`. */
  stopped?: boolean;
  /** With a join thread: how many partitions each thread joined (the log shows the split). */
  joined?: { here: number; thread: number };
}

/**
 * The smallest --memory budget the command holds to: peak RSS ≤ budget + the process's fixed cost
 * (a 1-row run's peak, ~200 MB), measured by `npm run bench:memory` at 1M and 10M rows. Below it the
 * garbage V8 keeps between collections while the reads and the join allocate (up to ~600 MB at 10M
 * rows, whatever the budget) no longer fits: 256 MB peaked at 510–570 MB, over its 457.
 */
export const MIN_MEMORY_MB = 512;
/** The largest --memory taken, MB (1 TiB): past it a budget is a typo, not a machine. */
export const MAX_MEMORY_MB = 1_048_576;

/** Share of the budget for rows held before spilling; the rest is the process, drivers and the join. */
const HOLD_SHARE = 0.2;
/**
 * The most a run holds before spilling, whatever the budget. Holding rows in fresh memory and then
 * writing them all out costs more than writing them through from early on: at 1M rows, 100 MB held
 * then spilled took ~0.6 s of the main thread (page faults, the copy, the write), 16 MB ~0.2 s, and
 * the read phase was 0.2–0.3 s shorter (docs/benchmarks.md, "Fresh memory"). About where the join
 * takes its second thread (JOIN_THREAD_MIN_BYTES, counted on the lines' bytes, not the chunks'):
 * a run that stays in memory mostly joins on this thread, a larger one on two, where the join
 * thread reads its partitions from the spill files itself.
 */
const HOLD_MAX_BYTES = 16 * 1024 * 1024;
/**
 * Share of the budget one spilled partition may take on disk (joining it holds its bytes in a
 * reused buffer per side, and a table of offsets about as large as the legacy side's bytes).
 */
const PARTITION_SHARE = 0.04;

/** The held-line layout, with the comparator of each compared field and the absentAsZero fields. */
export interface Plan extends HeldLayout {
  comparators: FieldComparator[];
  absentAsZero: string[];
}

/** Below this many bytes to join, the join stays on one thread. */
export const JOIN_THREAD_MIN_BYTES = 16 * 1024 * 1024;

/** The join's plan of a mapping (also built by the join thread). */
export function compilePlan(mapping: Mapping): Plan {
  const layout = heldLayout(mapping);
  return {
    ...layout,
    comparators: layout.cmpFields.map((f) => buildFieldComparator(mapping, f, mapping.fields[f]!)),
    absentAsZero: mapping.absentAsZero ?? [],
  };
}

/** Node's Buffer#utf8Write: write() without its argument checks. */
interface Utf8Writable extends Buffer {
  utf8Write(s: string, offset: number): number;
}

/**
 * Packs encoded lines and their partitions into an EncodedBatch (a stable counting sort by
 * partition): the plain reference form of what RowPacker (parallel-pack.ts) writes directly.
 */
export function packBatch(lines: string[], partitions: ArrayLike<number>): EncodedBatch {
  const n = lines.length;
  const starts = new Uint32Array(PARTITIONS + 1);
  for (let i = 0; i < n; i++) starts[partitions[i]! + 1]!++;
  for (let p = 0; p < PARTITIONS; p++) starts[p + 1]! += starts[p]!;
  const order = new Uint32Array(n);
  const next = starts.slice(0, PARTITIONS);
  for (let i = 0; i < n; i++) order[next[partitions[i]!]!++] = i;
  let bound = 0;
  for (let i = 0; i < n; i++) bound += lines[i]!.length * 3 + 1;
  // Not from the shared pool: the batch must own its whole ArrayBuffer to be transferred.
  const bytes = Buffer.allocUnsafeSlow(bound) as Utf8Writable;
  const offsets = new Uint32Array(PARTITIONS + 1);
  let pos = 0;
  let k = 0;
  for (let p = 0; p < PARTITIONS; p++) {
    offsets[p] = pos;
    for (const end = starts[p + 1]!; k < end; k++) {
      pos += bytes.utf8Write(lines[order[k]!]!, pos);
      bytes[pos++] = 10;
    }
  }
  offsets[PARTITIONS] = pos;
  return { rows: n, bytes: bytes.subarray(0, pos), offsets };
}

/**
 * Compares two streams of canonical rows (read concurrently), yielding each difference as it is
 * found and returning the counts. A key seen more than once on a side is reported once per side as
 * duplicate_key and not matched; a row with a NULL key part never joins and is reported missing.
 * The rows are encoded as the reader threads encode them (RowPacker) and joined by `compareEncoded`:
 * one engine, whichever thread read the rows.
 */
export function compareStreams(
  mapping: Mapping,
  legacy: AsyncIterable<CanonicalRow[]>,
  cloud: AsyncIterable<CanonicalRow[]>,
  opts: CompareOptions = {},
): AsyncGenerator<Difference, CompareStats, undefined> {
  return compareEncoded(mapping, packRows(mapping, legacy), packRows(mapping, cloud), opts);
}

/** Canonical rows encoded to held-line batches. */
async function* packRows(
  mapping: Mapping,
  source: AsyncIterable<CanonicalRow[]>,
): AsyncGenerator<EncodedBatch> {
  const packer = new RowPacker(mapping);
  for await (const rows of source) {
    for (const row of rows) packer.add(row);
    const batch = packer.take();
    if (batch) yield batch;
  }
}

/**
 * The same engine over rows already encoded elsewhere (worker threads): the lines and partitions
 * are the ones `compareStreams` computes itself, so the results are identical.
 */
export function compareEncoded(
  mapping: Mapping,
  legacy: AsyncIterable<EncodedBatch>,
  cloud: AsyncIterable<EncodedBatch>,
  opts: CompareOptions = {},
): AsyncGenerator<Difference, CompareStats, undefined> {
  const add = (store: PartitionStore, side: SideIndex, batch: EncodedBatch) => {
    const { bytes, offsets } = batch;
    for (let p = 0; p < PARTITIONS; p++) {
      const from = offsets[p]!;
      const to = offsets[p + 1]!;
      if (to > from) store.addBytes(side, p, bytes.subarray(from, to));
    }
    batch.release?.();
    return batch.rows;
  };
  return compareWith(mapping, legacy, cloud, add, opts);
}

/** The partition of an encoded key text (the same function on every thread). */
export function partitionOfKey(keyText: string): number {
  return hashKey(keyText, 0) % PARTITIONS;
}

type AddBatch<T> = (store: PartitionStore, side: SideIndex, batch: T) => number;

/** Reads both sides into the store through `add`, then joins it, on two threads when it is worth it. */
async function* compareWith<T>(
  mapping: Mapping,
  legacy: AsyncIterable<T>,
  cloud: AsyncIterable<T>,
  add: AddBatch<T>,
  opts: CompareOptions,
): AsyncGenerator<Difference, CompareStats, undefined> {
  const plan = compilePlan(mapping);
  const budget = (opts.memoryMb ?? 512) * 1024 * 1024;
  const storeOpts = {
    memoryBytes: Math.min(budget * HOLD_SHARE, HOLD_MAX_BYTES),
    partitionBytes: budget * PARTITION_SHARE,
    partitions: PARTITIONS,
  };
  const store = new PartitionStore({ ...storeOpts, tmpDir: opts.tmpDir, forceSpill: opts.forceSpill });
  const counts = zeroCounts();
  const fieldMismatches = dict<number>();
  let helper: JoinThread | undefined;
  const max = opts.maxDifferences;
  // Started while the sides are still read, once there is enough to join: it loads meanwhile.
  let tried = false;
  const startHelper = () => {
    if (
      !tried &&
      opts.joinThread &&
      max === undefined &&
      store.bytesIn >= (opts.joinThreadMinBytes ?? JOIN_THREAD_MIN_BYTES)
    ) {
      tried = true;
      helper = startJoinThread({ mapping, store: halved(storeOpts) });
    }
  };
  try {
    await readBoth(store, counts, legacy, cloud, add, opts.onProgress, startHelper);
    startHelper();
    opts.onJoin?.({ spilled: store.spilled, joinThread: helper !== undefined });
    // Two partitions are joined at once on two threads: each may hold half of what one would.
    const reader = new PartitionReader(helper ? halved(storeOpts) : storeOpts);
    const sources = store.sources();
    if (helper) {
      const joined = yield* joinShared(plan, reader, sources, helper, counts, fieldMismatches);
      return { counts, fieldMismatches, spilled: store.spilled, joined };
    }
    let yielded = 0;
    for (const source of sources) {
      if (max === undefined) yield* joinSource(plan, reader, source, counts, fieldMismatches);
      else
        for (const d of joinSource(plan, reader, source, counts, fieldMismatches)) {
          yield d;
          if (++yielded >= max) return { counts, fieldMismatches, spilled: store.spilled, stopped: true };
        }
    }
    return { counts, fieldMismatches, spilled: store.spilled };
  } finally {
    // The join thread may still be reading a spilled partition's files: stopped before they go.
    await helper?.stop();
    store.dispose();
  }
}

/** Partitions on the join thread, at most: when it finishes one, the next is already there. */
const THREAD_QUEUED = 2;
/**
 * Partitions joined or being joined and not yet yielded, at most: room for the join thread to run
 * ahead while this thread records a partition's differences (their number is bounded below).
 */
const MAX_SLOTS = 16;
/**
 * Differences joined and waiting to be yielded, from which neither thread takes another partition:
 * what a run of mostly differing rows holds in memory beyond the engine's budget (~1 KB each).
 */
const MAX_WAITING = 20_000;

/**
 * A partition joined, or being joined, and not yet yielded: its result (differences and what it
 * adds to the counts) once there; `remote` while the join thread has it.
 */
interface Slot {
  remote?: Promise<JoinResult>;
  result?: JoinResult;
  failed?: boolean;
}

/**
 * The join on two threads. The join thread always has partitions queued; this thread joins one
 * itself only while the next partition to yield is still on the join thread, so whichever thread
 * the consumer (recording the differences) keeps busy, the other does more of the joining. The
 * differences, and the counts (the order of fieldMismatches' keys too), come out in partition
 * order whoever joined them: the same as one thread gives.
 */
export async function* joinShared(
  plan: Plan,
  reader: PartitionReader,
  sources: Iterator<PartitionSource>,
  helper: JoinThread,
  counts: ReconcileCounts,
  fieldMismatches: Record<string, number>,
): AsyncGenerator<Difference, { here: number; thread: number }> {
  const joined = { here: 0, thread: 0 };
  const slots: Slot[] = [];
  let queued = 0;
  let waiting = 0;
  // A generator: once done, next() stays done.
  const next = (): PartitionSource | undefined => {
    const r = sources.next();
    return r.done ? undefined : r.value;
  };
  const room = () => slots.length < MAX_SLOTS && waiting < MAX_WAITING;
  // Set once the join is over (done, failed or closed early): a late reply feeds nothing more.
  let over = false;
  // What feeding from a reply threw: thrown again here, where the run can see it.
  let feedFailed: unknown;
  // Hands the join thread partitions until it has THREAD_QUEUED. Also called as it returns one:
  // while this thread is busy recording (the consumer holds it), the join thread is kept fed.
  const feed = () => {
    while (!over && !feedFailed && queued < THREAD_QUEUED && room()) {
      const source = next();
      if (!source) return;
      const remote = helper.join(source);
      const slot: Slot = { remote };
      queued++;
      // Awaited in turn below; not unhandled if this thread fails first.
      remote.then(
        (r) => {
          queued--;
          waiting += r.diffs.length;
          slot.result = r;
          try {
            feed();
          } catch (e) {
            feedFailed ??= e;
          }
        },
        () => {
          queued--;
          slot.failed = true;
        },
      );
      slots.push(slot);
    }
  };
  try {
    for (;;) {
      if (feedFailed) throw feedFailed;
      feed();
      const head = slots[0];
      if (!head) return joined;
      if (!head.result && !head.failed && room()) {
        const source = next();
        if (source) {
          const c = zeroCounts();
          const f: Record<string, number> = {};
          const diffs = [...joinSource(plan, reader, source, c, f)];
          slots.push({ result: { diffs, counts: c, fieldMismatches: f } });
          waiting += diffs.length;
          joined.here++;
          // Lets the join thread's message in: the head may have come back meanwhile.
          await new Promise<void>((resolve) => setImmediate(resolve));
          continue;
        }
      }
      slots.shift();
      const r = head.result ?? (await head.remote!);
      if (head.remote) joined.thread++;
      waiting -= r.diffs.length;
      for (const k of Object.keys(r.counts) as (keyof ReconcileCounts)[])
        counts[k] = (counts[k] ?? 0) + (r.counts[k] ?? 0);
      for (const [f, n] of Object.entries(r.fieldMismatches))
        fieldMismatches[f] = (fieldMismatches[f] ?? 0) + n;
      yield* r.diffs;
    }
  } finally {
    over = true;
  }
}

/** Store options for one of two joins at once: spilled partitions split again at half the size. */
function halved<T extends { partitionBytes: number }>(o: T): T {
  return { ...o, partitionBytes: o.partitionBytes / 2 };
}

/** Joins one partition as the store holds it (split again when spilled and too large). */
export function* joinSource(
  plan: Plan,
  reader: PartitionReader,
  source: PartitionSource,
  counts: ReconcileCounts,
  fieldMismatches: Record<string, number>,
): Generator<Difference> {
  for (const part of reader.partitionsOf(source))
    yield* joinPartition(plan, part.legacy, part.cloud, counts, fieldMismatches);
}

/**
 * Reads both sides at once into the store, telling `onAdded` after each batch; the first failure
 * stops the other side's read.
 */
async function readBoth<T>(
  store: PartitionStore,
  counts: ReconcileCounts,
  legacy: AsyncIterable<T>,
  cloud: AsyncIterable<T>,
  add: AddBatch<T>,
  onProgress: CompareOptions['onProgress'],
  onAdded: () => void,
): Promise<void> {
  let failed = false;
  const pump = async (side: SideIndex, source: AsyncIterable<T>) => {
    try {
      for await (const batch of source) {
        if (failed) break;
        const n = add(store, side, batch);
        if (side === 0) counts.legacy += n;
        else counts.cloud += n;
        onProgress?.({ legacyRows: counts.legacy, cloudRows: counts.cloud });
        onAdded();
      }
    } catch (err) {
      failed = true;
      throw err;
    }
  };
  // Both settle before the store can be disposed: a side still reading must not write after cleanup.
  const results = await Promise.allSettled([pump(0, legacy), pump(1, cloud)]);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

/** Bytes per held line, about: the first guess of a partition's key count (its table grows). */
const LINE_BYTES_GUESS = 48;

/**
 * Joins one partition on its bytes (line-table.ts): legacy keys into a table, cloud rows attached to
 * them (cloud-only keys in a second table), then every key classified in the order it was first
 * seen. Only the first row of a side is kept; later ones count. Rows that agree are never decoded:
 * their compared values' bytes are equal.
 */
function* joinPartition(
  plan: Plan,
  legacy: Buffer,
  cloud: Buffer,
  counts: ReconcileCounts,
  fieldMismatches: Record<string, number>,
): Generator<Difference> {
  const at = lineAt();
  const L = LineTable.take(legacy, legacy.length / LINE_BYTES_GUESS);
  const C = LineTable.take(cloud, 16);
  try {
    for (let i = 0; i < legacy.length; i = at.end + 1) {
      if (scanLine(legacy, i, at)) {
        // A NULL key part never joins: the row is reported missing on the other side.
        counts.missingInCloud++;
        yield missing(plan, legacy.toString('utf8', at.start, at.end), 0);
        continue;
      }
      L.tally(at);
    }
    for (let i = 0; i < cloud.length; i = at.end + 1) {
      if (scanLine(cloud, i, at)) {
        counts.missingInLegacy++;
        yield missing(plan, cloud.toString('utf8', at.start, at.end), 1);
        continue;
      }
      const e = L.find(cloud, at);
      if (e >= 0) L.addOther(e, at);
      else C.tally(at);
    }
    for (let e = 0; e < L.size; e++) {
      const count = L.count[e]!;
      const cloudCount = L.otherCount[e]!;
      if (count > 1 || cloudCount > 1) {
        if (count > 1) yield duplicate(plan, L.firstLine(e), count, 0, counts);
        if (cloudCount > 1) yield duplicate(plan, L.firstOther(e, cloud), cloudCount, 1, counts);
      } else if (cloudCount === 0) {
        const line = L.firstLine(e);
        if (absentIsZero(plan, line)) counts.matched++;
        else {
          counts.missingInCloud++;
          yield missing(plan, line, 0);
        }
      } else {
        // Identical canonical values of every compared field: a match, nothing decoded.
        if (L.sameCompared(e, cloud)) {
          counts.matched++;
          continue;
        }
        const d = compareLines(plan, L.firstLine(e), L.firstOther(e, cloud), fieldMismatches);
        if (d) {
          counts.mismatched++;
          yield d;
        } else counts.matched++;
      }
    }
    for (let e = 0; e < C.size; e++) {
      const line = C.firstLine(e);
      const count = C.count[e]!;
      if (count > 1) yield duplicate(plan, line, count, 1, counts);
      else if (absentIsZero(plan, line)) counts.matched++;
      else {
        counts.missingInLegacy++;
        yield missing(plan, line, 1);
      }
    }
  } finally {
    // In the reverse order of taking: the next partition's legacy table is this one's.
    C.release();
    L.release();
  }
}

function missing(plan: Plan, line: string, side: SideIndex): Difference {
  const p = parseLine(plan, line);
  return side === 0
    ? { type: 'missing_in_cloud', key: p.key, legacy: p.row }
    : { type: 'missing_in_legacy', key: p.key, cloud: p.row };
}

function duplicate(
  plan: Plan,
  line: string,
  count: number,
  side: SideIndex,
  counts: ReconcileCounts,
): Difference {
  counts.duplicateKeys++;
  const p = parseLine(plan, line);
  return side === 0
    ? { type: 'duplicate_key', key: p.key, side: 'legacy', count, legacy: p.row }
    : { type: 'duplicate_key', key: p.key, side: 'cloud', count, cloud: p.row };
}

const ZERO = /^-?0+(\.0+)?$/;

/** absentAsZero: a one-sided row whose listed fields are all zero (or null) counts as a match. */
function absentIsZero(plan: Plan, line: string): boolean {
  if (plan.absentAsZero.length === 0) return false;
  const { row } = parseLine(plan, line);
  return plan.absentAsZero.every((f) => {
    const v = row[f];
    return v === null || v === undefined || ZERO.test(v);
  });
}

/** Compares two rows with the same key; undefined when they agree. */
function compareLines(
  plan: Plan,
  lLine: string,
  cLine: string,
  fieldMismatches: Record<string, number>,
): Difference | undefined {
  const l = parseLine(plan, lLine);
  const c = parseLine(plan, cLine);
  let fields: Record<string, FieldDelta> | undefined;
  for (let i = 0; i < plan.cmpFields.length; i++) {
    const d = plan.comparators[i]!(l.cmp[i] ?? null, c.cmp[i] ?? null);
    if (d) {
      const f = plan.cmpFields[i]!;
      (fields ??= dict())[f] = d;
      fieldMismatches[f] = (fieldMismatches[f] ?? 0) + 1;
    }
  }
  if (!fields) return undefined;
  return { type: 'mismatch', key: l.key, fields, legacy: l.row, cloud: c.row };
}

/** The control store's `cutover_differences`: a run's differences written in batches, read in pages, counted. */
import fsp from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { Knex } from 'knex';
import type { ControlStore } from './control-store.js';
import type { Difference, DifferenceType } from '../reconcilers/types.js';

/**
 * What the exception queue needs of a difference beside its body (queueFields in
 * exceptions/sync.ts): its key as JSON, its variance and its size severity. Stored with the
 * difference, so the queue sync stages a run in one statement.
 */
export interface QueueFields {
  key_json: string;
  variance: string | null;
  size_severity: string;
}

/**
 * One difference as stored: its run, its position, its type, its encoded key, its JSON and, for a
 * kind the queue holds, its queue fields (null otherwise).
 */
export interface DifferenceRow {
  run_id: string;
  seq: number;
  type: string;
  key_text: string;
  body: string;
  queue?: QueueFields | undefined;
}

/** Where a run's differences are stored, and the columns of differenceValues, in order. */
export const DIFFERENCES_TABLE = 'cutover_differences';
/** The cause of each explained difference (cause-store.ts; migration 009). */
export const DIFFERENCE_CAUSES_TABLE = 'cutover_difference_causes';
export const DIFFERENCE_COLUMNS = [
  'run_id',
  'seq',
  'type',
  'key_text',
  'body',
  'key_json',
  'variance',
  'size_severity',
] as const;

/** A difference's row as values, in DIFFERENCE_COLUMNS' order (for insertRows and a bulk loader). */
export function differenceValues(r: DifferenceRow): unknown[] {
  const q = r.queue;
  return [
    r.run_id,
    r.seq,
    r.type,
    r.key_text,
    r.body,
    q?.key_json ?? null,
    q?.variance ?? null,
    q?.size_severity ?? null,
  ];
}

/** Stores a batch of a run's differences in one transaction (the store's bulk insert). */
export async function insertDifferences(store: ControlStore, rows: readonly DifferenceRow[]): Promise<void> {
  await store.db.insertRows(DIFFERENCES_TABLE, DIFFERENCE_COLUMNS, rows.map(differenceValues));
}

/** One stored difference with its position in the run. */
export interface StoredDifference {
  seq: number;
  diff: Difference;
}

/** A run's differences in seq order, read afresh on every call (one pass each). */
export type DifferenceSource = () => AsyncIterable<StoredDifference>;

/** Bytes read at a time by linesOf. */
const READ_BYTES = 1 << 20;

/**
 * Every line of a differences.jsonl parsed, line i as seq i + 1; a last line without its newline
 * too. Read a megabyte at a time, not whole: at 100k differences the file's 26 MB of text never
 * sit beside their parsed objects (the diagnosis thread's peak, 12 MB less), and it is no slower.
 */
async function* linesOf(file: string): AsyncGenerator<StoredDifference> {
  const decoder = new StringDecoder('utf8');
  const buf = Buffer.allocUnsafe(READ_BYTES);
  const handle = await fsp.open(file, 'r');
  let rest = '';
  let seq = 0;
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, READ_BYTES, null);
      if (bytesRead === 0) break;
      const text = rest + decoder.write(buf.subarray(0, bytesRead));
      const parsed: StoredDifference[] = [];
      let at = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', at)) {
        parsed.push({ seq: ++seq, diff: JSON.parse(text.slice(at, nl)) as Difference });
        at = nl + 1;
      }
      rest = text.slice(at);
      yield* parsed;
    }
  } finally {
    await handle.close();
  }
  rest += decoder.end();
  if (rest !== '') yield { seq: ++seq, diff: JSON.parse(rest) as Difference };
}

/** Every difference of the file in one array (linesOf's, kept). */
async function parseFile(file: string): Promise<StoredDifference[]> {
  const out: StoredDifference[] = [];
  for await (const d of linesOf(file)) out.push(d);
  return out;
}

/**
 * A run's differences from its `differences.jsonl`, read and parsed afresh on every pass, a
 * megabyte at a time: for a run whose differences do not fit in memory (a night where everything
 * differs), which the diagnosis thread then reads twice from the file, not from the store.
 */
export function differencesStreamedFromFile(file: string): DifferenceSource {
  return () => linesOf(file);
}

/**
 * A run's differences from its `differences.jsonl` (line i is seq i + 1, as DifferenceWriter writes
 * it): read and parsed on the first pass and shared by every pass after it. For a run whose
 * differences fit in memory; a larger one is read a page at a time from the store, or on the
 * diagnosis thread afresh from the file on each pass (differencesStreamedFromFile). A file that
 * cannot be read or parsed (moved or removed by a clean-up meanwhile) gives way to `orElse` (the
 * store, which holds the same differences) when there is one.
 */
export function differencesFromFile(file: string, orElse?: DifferenceSource): DifferenceSource {
  let parsed: Promise<StoredDifference[] | undefined> | undefined;
  return async function* () {
    parsed ??= parseFile(file).catch((err: unknown) => {
      if (orElse) return undefined;
      throw err;
    });
    const items = await parsed;
    yield* items ?? orElse!();
  };
}

/**
 * A run's differences from `cutover_differences`, in seq order, read in pages (keyset on seq) so a
 * million differences never sit in memory at once.
 */
export async function* streamDifferences(
  store: ControlStore,
  runId: string,
  opts: {
    type?: DifferenceType;
    /** Only differences stored without their queue fields (by a cutover before migration 007). */
    withoutQueueFields?: boolean;
    pageSize?: number;
    limit?: number;
    /** Where to read: a transaction of the store's (the queue sync's), else the store itself. */
    knex?: Knex;
  } = {},
): AsyncGenerator<StoredDifference> {
  const knex = opts.knex ?? store.knex;
  const pageSize = opts.pageSize ?? 10_000;
  let after = -Infinity;
  let left = opts.limit ?? Infinity;
  while (left > 0) {
    const q = knex('cutover_differences')
      .select('seq', 'body')
      .where('run_id', runId)
      .orderBy('seq')
      .limit(Math.min(pageSize, left));
    if (after !== -Infinity) q.where('seq', '>', after);
    if (opts.type) q.where('type', opts.type);
    if (opts.withoutQueueFields) q.whereNull('size_severity');
    const rows = (await q) as { seq: number | string; body: string }[];
    for (const row of rows) {
      const seq = Number(row.seq);
      yield { seq, diff: JSON.parse(row.body) as Difference };
      after = seq;
    }
    left -= rows.length;
    if (rows.length < Math.min(pageSize, left + rows.length)) return;
  }
}

/** Stored differences per type. */
export type DifferenceCounts = Partial<Record<DifferenceType, number>>;

/** How many differences of each type a run stored. */
export async function countDifferences(store: ControlStore, runId: string): Promise<DifferenceCounts> {
  const rows = (await store
    .knex('cutover_differences')
    .select('type')
    .count({ n: '*' })
    .where('run_id', runId)
    .groupBy('type')) as { type: DifferenceType; n: number | string }[];
  return Object.fromEntries(rows.map((r) => [r.type, Number(r.n)]));
}

/** The first few differences of each type present: enough to infer columns, kinds and widths. */
export async function sampleDifferences(
  store: ControlStore,
  runId: string,
  types: readonly DifferenceType[],
  perType = 200,
): Promise<Difference[]> {
  const out: Difference[] = [];
  for (const type of types) {
    for await (const { diff } of streamDifferences(store, runId, { type, limit: perType, pageSize: perType }))
      out.push(diff);
  }
  return out;
}

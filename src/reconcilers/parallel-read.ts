/**
 * Reading one side on its own thread: a worker opens its own adapter, reads, normalizes and encodes
 * the rows to held lines (the engine's `lineEncoder` and `partitionOfKey`), and hands batches of
 * lines to the main thread, which only files them and joins. Two sides → both cores busy.
 */
import { createAdapterLazily } from '../adapters/lazy-adapter.js';
import { Worker } from 'node:worker_threads';
import type { Adapter, LineRead, ReadRequest } from '../adapters/types.js';
import type { ConnectionConfig } from '../config/load-config.js';
import type { Mapping } from '../config/mapping-schema.js';
import { silentLogger } from '../util/logger.js';
import type { EncodedBatch } from './held-row.js';
import { RowPacker, type BatchBuffers } from './parallel-pack.js';
import { buildNormalizer, type ByteLane } from './normalize.js';
import { readCanonical, type SidePlan } from './read-side.js';
import { RunTaps, type TapSpec, type TapState } from './run-taps.js';
import type { CanonicalRow, Side } from './types.js';
import type { TimeWindow } from './window.js';
import { builtWorker, postedError, rebuildError, type PostedError } from '../util/worker-files.js';

/** Everything a worker needs to read one side: plain data, so it can be posted to a thread. */
export interface SideJob {
  connection: ConnectionConfig;
  mapping: Mapping;
  side: Side;
  request: ReadRequest;
  defaultTimezone?: string;
  /** Canonical filter matching the pushed-down window (as `readCanonical` applies it). */
  window?: { field: string; bounds: TimeWindow };
  /** The run's taps (control totals, domain checks, settle window), built again on the reader's thread. */
  taps?: TapSpec;
}

/** Batches a worker may have posted and the main thread not yet consumed (bounds the memory in flight). */
export const MAX_IN_FLIGHT = 8;

/** A read side's plan as a reader thread rebuilds it from its job (the normalizer is code, not data). */
function planOfJob(job: SideJob): SidePlan {
  return {
    side: job.side,
    connection: job.connection.name,
    request: job.request,
    normalizer: buildNormalizer(
      job.mapping,
      job.side,
      job.defaultTimezone ? { defaultTimezone: job.defaultTimezone } : undefined,
    ),
    ...(job.window ? { window: job.window } : {}),
    description: { connection: job.connection.name, url: '', source: '' },
  };
}

/** The job a reader thread needs for a side's plan. */
export function jobOfPlan(
  plan: SidePlan,
  mapping: Mapping,
  connection: ConnectionConfig,
  taps?: TapSpec,
): SideJob {
  return {
    connection,
    mapping,
    side: plan.side,
    request: plan.request,
    ...(plan.defaultTimezone ? { defaultTimezone: plan.defaultTimezone } : {}),
    ...(plan.window ? { window: plan.window } : {}),
    ...(taps ? { taps } : {}),
  };
}

/**
 * Reads one side through `adapter` as `readCanonical` does (windows, key sets, taps), encoding the
 * kept rows straight to held lines (RowPacker). This is the one read path of the compare engine,
 * on the main thread or on a reader thread. `tap` (when the run's taps need rows) sees every
 * canonical row kept.
 */
export async function* packSide(
  adapter: Adapter,
  plan: SidePlan,
  mapping: Mapping,
  tap: ((rows: CanonicalRow[]) => void) | undefined,
  onRows?: (n: number) => void,
  buffers?: BatchBuffers,
): AsyncGenerator<EncodedBatch> {
  const lanes = plan.normalizer.lanes;
  if (adapter.readLines && lanes && !plan.window && !plan.keySet) {
    yield* packLines(adapter.readLines(plan.request), plan, mapping, lanes, tap, onRows, buffers);
    return;
  }
  const packer = new RowPacker(mapping, undefined, 0, buffers);
  for await (const rows of readCanonical(adapter, plan, tap ?? (() => {}), onRows)) {
    for (const row of rows) packer.add(row);
    const batch = packer.take();
    if (batch) yield batch;
  }
}

/** Rows per batch a line read yields (as a row read's batches). */
const LINE_BATCH_ROWS = 5000;

/**
 * The text-line read: each plain line packed straight from its bytes (RowPacker.addLine), any other
 * parsed and normalized as `readCanonical` does. The held lines are the same either way.
 */
async function* packLines(
  read: LineRead,
  plan: SidePlan,
  mapping: Mapping,
  lanes: Record<string, ByteLane>,
  tap: ((rows: CanonicalRow[]) => void) | undefined,
  onRows?: (n: number) => void,
  buffers?: BatchBuffers,
): AsyncGenerator<EncodedBatch> {
  const packer = new RowPacker(mapping, lanes, plan.request.columns.length, buffers);
  const { normalizer } = plan;
  const batchRows = plan.request.batchSize ?? LINE_BATCH_ROWS;
  let rows: CanonicalRow[] = [];
  for await (const chunk of read.chunks) {
    let n = 0;
    for (let at = 0; at < chunk.length; n++) {
      let end = chunk.indexOf(10, at);
      if (end < 0) end = chunk.length; // every chunk ends in a newline; this is only a guard
      const row: CanonicalRow | undefined = tap ? {} : undefined;
      if (!packer.addLine(chunk, at, end, row)) {
        const canonical = normalizer.normalize(read.parse(chunk.toString('utf8', at, end)));
        packer.add(canonical);
        if (tap) rows.push(canonical);
      } else if (row) rows.push(row);
      at = end + 1;
    }
    onRows?.(n);
    if (tap && rows.length) {
      tap(rows);
      rows = [];
    }
    if (packer.pending >= batchRows) yield packer.take()!;
  }
  const last = packer.take();
  if (last) yield last;
}

/**
 * Reads, normalizes and encodes one side in the current thread, from its job (a reader thread's
 * work). The adapter is created here (and closed here) unless one is given. The job's taps are fed
 * and handed to `onTaps` at the end. Batches are packed into `buffers` when given.
 */
export async function* encodeSide(
  job: SideJob,
  given?: Adapter,
  onTaps?: (state: TapState) => void,
  buffers?: BatchBuffers,
): AsyncGenerator<EncodedBatch> {
  const taps = job.taps ? new RunTaps(job.mapping, job.taps) : undefined;
  const adapter = given ?? (await adapterFor(job.connection));
  try {
    if (!given) await adapter.connect();
    yield* packSide(
      adapter,
      planOfJob(job),
      job.mapping,
      taps?.needsRows ? (rows) => taps.add(job.side, rows) : undefined,
      undefined,
      buffers,
    );
    if (taps) onTaps?.(taps.exportSide(job.side));
  } finally {
    if (!given) await adapter.close();
  }
}

/** The adapter for a connection, loading only its own driver where it can. */
async function adapterFor(connection: ConnectionConfig): Promise<Adapter> {
  return createAdapterLazily(connection, { logger: silentLogger() });
}

/** The built reader worker, or undefined when there is none (TypeScript sources run without a build). */
function workerFile(): URL | undefined {
  return builtWorker('reconcilers/parallel-read-worker.js');
}

/**
 * What the main thread posts to a reader thread: its job once, then an 'ack' per batch received and,
 * once the batch's lines are stored, its buffer handed back for another batch.
 */
export type ReaderMessage = { type: 'job'; job: SideJob } | 'ack' | { type: 'buffer'; buffer: ArrayBuffer };

/** The message a worker posts. */
export type WorkerMessage =
  { type: 'batch'; batch: EncodedBatch } | { type: 'end'; taps?: TapState } | PostedError;

/**
 * A reader thread, started before its job is known: its isolate's start and module loading (a
 * fifth of a second of CPU) overlap the main thread opening the connections and creating the run.
 * The job is posted by `read`. What the thread says is queued from the start, so that a failure
 * before the job is read is not lost. One that ends up unused is `stop`ped.
 */
export class ReaderThread {
  private readonly worker: Worker;
  private readonly queue: WorkerMessage[] = [];
  private wake: (() => void) | undefined;
  private exitCode: number | undefined;

  constructor(file: URL, connection: ConnectionConfig) {
    // Its connection only: the thread loads that adapter's module while it waits.
    this.worker = new Worker(file, { workerData: { connection } });
    this.worker.on('message', (m: WorkerMessage) => this.push(m));
    this.worker.on('error', (e: Error) => this.push(postedError(e)));
    this.worker.on('exit', (code) => {
      this.exitCode = code;
      this.wake?.();
    });
    // Until it has a job, an idle thread must not keep the process alive (after the listeners,
    // which would take the reference again).
    this.worker.unref();
  }

  private push(m: WorkerMessage): void {
    this.queue.push(m);
    this.wake?.();
  }

  /** Posts the side's job and yields its batches; the thread is stopped at the end, or when stopped early. */
  async *read(job: SideJob, onTaps?: (state: TapState) => void): AsyncGenerator<EncodedBatch> {
    const post = (m: ReaderMessage, transfer?: ArrayBuffer[]) => this.worker.postMessage(m, transfer);
    try {
      this.worker.ref();
      post({ type: 'job', job });
      for (;;) {
        const m = this.queue.shift();
        if (!m) {
          if (this.exitCode !== undefined)
            throw new Error(
              `The ${job.side} side's reader thread stopped (exit code ${this.exitCode}) before its end.`,
            );
          await new Promise<void>((r) => (this.wake = r));
          this.wake = undefined;
          continue;
        }
        if (m.type === 'end') {
          if (m.taps) onTaps?.(m.taps);
          return;
        }
        if (m.type === 'error') throw rebuildError(m);
        post('ack');
        // Once the consumer has stored the lines (it may hold a few batches first: readAhead).
        const buffer = m.batch.bytes.buffer as ArrayBuffer;
        m.batch.release = () => post({ type: 'buffer', buffer }, [buffer]);
        yield m.batch;
      }
    } finally {
      // Also after its end: the isolate's memory (tens of MB) is freed as soon as the side is read.
      await this.stop();
    }
  }

  /** Ends the thread (read or not); stopping one already stopped does nothing. */
  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

/** A reader thread for a side on `connection`, or undefined when there is no built worker. */
export function startReaderThread(connection: ConnectionConfig): ReaderThread | undefined {
  const file = workerFile();
  return file ? new ReaderThread(file, connection) : undefined;
}

/**
 * Reads one side on a worker thread (`started`, or one started now), or in this thread when no built
 * worker exists or `threads` is false, yielding encoded batches for `compareEncoded`; the side's taps
 * go to `onTaps` once it is read. Stopping early terminates the worker.
 */
export async function* readSideParallel(
  job: SideJob,
  threads = true,
  onTaps?: (state: TapState) => void,
  started?: ReaderThread,
): AsyncGenerator<EncodedBatch> {
  const thread = started ?? (threads ? startReaderThread(job.connection) : undefined);
  if (!thread) {
    yield* encodeSide(job, undefined, onTaps);
    return;
  }
  yield* thread.read(job, onTaps);
}

/**
 * Where a run's differences go as they stream out of the engine: one JSON line each in
 * `differences.jsonl` (written under a temporary name, renamed when complete, so a reader never sees
 * half a file) and one row each in `cutover_differences`, inserted in batches inside transactions.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { ControlStore } from '../store/control-store.js';
import type { BulkLoader } from '../adapters/types.js';
import {
  DIFFERENCE_COLUMNS,
  DIFFERENCES_TABLE,
  differenceValues,
  insertDifferences,
  type DifferenceRow,
  type QueueFields,
} from '../store/differences.js';
import { encodeKey } from '../reconcilers/key.js';
import { OutputFile } from '../reports/output-file.js';
import { removedIfInterrupted } from '../util/spill-dirs.js';
import type { Difference } from '../reconcilers/types.js';

const ROWS_PER_TRANSACTION = 5000;
/**
 * The bytes of JSON lines written to the file at once (one write, not one per line): ~4,000
 * differences of the reconcile bench. Each line is encoded into the buffer as it is recorded
 * (Buffer.write), which at 100k differences takes ~100 ms where joining the lines into a string and
 * encoding that took ~300 ms (a micro-benchmark of 26 MB of the bench's lines).
 */
const LINES_BYTES = 1 << 20;
/**
 * The JSON of a run's differences, at most, for which the diagnosis reads them whole from the file,
 * instead of paging through the store (100k differences of the reconcile bench: 26 MB).
 */
const KEEP_BYTES = 32 << 20;

/** Streams differences to the report file and the control store. */
export class DifferenceWriter {
  private seq = 0;
  private pending: DifferenceRow[] = [];
  /** JSON lines not yet written to the file, encoded, and their bytes (see LINES_BYTES). */
  private lines = Buffer.allocUnsafe(LINES_BYTES);
  private linesBytes = 0;
  private readonly out: OutputFile;
  private readonly tmp: string;
  private readonly byType: Record<string, number> = {};
  private readonly byField: Record<string, number> = {};

  constructor(
    private readonly store: ControlStore,
    private readonly runId: string,
    private readonly keyFields: readonly string[],
    readonly file: string,
    opts: {
      /** The JSON of the differences, at most, for which they are read back whole (KEEP_BYTES unless a test says otherwise). */
      keepBytes?: number;
      /** What the exception queue needs of a difference (queueFields), stored with it. */
      queueFieldsOf?: (d: Difference) => QueueFields | undefined;
      /** Whether the store's bulk loader may run on a thread (default true; CUTOVER_THREADS=0 says no). */
      threads?: boolean;
    } = {},
  ) {
    this.keepBytes = opts.keepBytes ?? KEEP_BYTES;
    this.queueFieldsOf = opts.queueFieldsOf;
    if (opts.threads === false) this.loader = null;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.tmp = `${file}.${process.pid}.tmp`;
    // A large buffer: a run with 100k differences must not wait for the disk every few lines. A
    // write that fails (a full disk) fails the next write or the finish, naming the report; one
    // still under way when the run is aborted (the store failed) is dropped with the file.
    this.out = new OutputFile(this.tmp, { name: file, highWaterMark: 4 << 20 });
    // Interrupted (Ctrl-C, a scheduler's SIGTERM) before finish or abort: no `.tmp` is left behind,
    // nor the run's report folder if nothing else is in it.
    this.keepOnExit = removedIfInterrupted(this.tmp, path.dirname(file));
  }

  private readonly keepOnExit: () => void;

  private readonly keepBytes: number;
  private readonly queueFieldsOf: ((d: Difference) => QueueFields | undefined) | undefined;

  /**
   * Whether the differences' JSON fits in KEEP_BYTES (so far): they are then read back whole, from
   * the file, not from the store. Their JSON is not kept: the file has it.
   */
  private fits = true;
  private jsonBytes = 0;

  /**
   * The store's bulk loader (a thread of SQLite's), once a run has a batch of differences to store;
   * null where the store has none or threads are off (insertDifferences on this thread then).
   */
  private loader: BulkLoader | null | undefined;

  /** Milliseconds spent recording (serializing, the file, the store): the run's log shows them. */
  busyMs = 0;

  /** Records one difference; waits when the file or the store needs to catch up. */
  async write(d: Difference): Promise<void> {
    this.out.check();
    const t0 = performance.now();
    const body = JSON.stringify(d);
    this.seq += 1;
    this.byType[d.type] = (this.byType[d.type] ?? 0) + 1;
    if (d.type === 'mismatch')
      for (const f of Object.keys(d.fields)) this.byField[f] = (this.byField[f] ?? 0) + 1;
    const keyFields = d.type === 'unbalanced_journal' ? Object.keys(d.key) : this.keyFields;
    this.pending.push({
      run_id: this.runId,
      seq: this.seq,
      type: d.type,
      key_text: encodeKey(d.key, keyFields),
      body,
      queue: this.queueFieldsOf?.(d),
    });
    if (this.fits) {
      this.jsonBytes += body.length;
      if (this.jsonBytes > this.keepBytes) this.fits = false;
    }
    // Room for the line whatever its characters (UTF-8: at most 3 bytes per UTF-16 unit).
    const room = body.length * 3 + 1;
    if (this.linesBytes + room > this.lines.length) await this.writeLines();
    if (room > this.lines.length) {
      await this.out.push(body);
      await this.out.push('\n');
    } else {
      this.linesBytes += this.lines.write(body, this.linesBytes, 'utf8');
      this.lines[this.linesBytes++] = 10;
      if (this.linesBytes >= LINES_BYTES) await this.writeLines();
    }
    if (this.pending.length >= ROWS_PER_TRANSACTION) {
      // A run with this many differences or more: its batches go to the store's loader, where it has one.
      if (this.loader === undefined)
        this.loader = this.store.db.bulkLoader?.(DIFFERENCES_TABLE, DIFFERENCE_COLUMNS) ?? null;
      await this.flush();
    }
    this.busyMs += performance.now() - t0;
  }

  /**
   * Whether the differences are few enough (their JSON within keepBytes) to be read back whole from
   * the finished file (`differencesFromFile`); else read them from the store (`streamDifferences`).
   */
  get readsWhole(): boolean {
    return this.fits;
  }

  /** How many differences were written, by type. */
  counts(): Record<string, number> {
    return { ...this.byType };
  }

  /** How many differences were written, by type, and the mismatches by field. */
  written(): Record<string, number> & { fields: Record<string, number> } {
    return Object.assign({ ...this.byType }, { fields: { ...this.byField } });
  }

  get total(): number {
    return this.seq;
  }

  /** Flushes the store and publishes the file under its final name. */
  async finish(): Promise<void> {
    const t0 = performance.now();
    await this.flush();
    // Every batch stored before the run goes on to read them (the queue sync, the reports).
    const loader = this.loader;
    this.loader = null;
    await loader?.finish();
    await this.out.end();
    await fsp.rename(this.tmp, this.file);
    this.keepOnExit();
    this.busyMs += performance.now() - t0;
  }

  /**
   * Drops the unfinished file (the run failed). The stream is closed first: a run that fails at once
   * may destroy it before its file is even open, and the open would then create the file after the
   * removal, leaving a `.tmp` behind.
   */
  async abort(): Promise<void> {
    await this.loader?.abort();
    this.loader = null;
    const stream = this.out.stream;
    await new Promise<void>((resolve) => {
      if (stream.closed) return resolve();
      stream.once('close', () => resolve());
      stream.destroy();
    });
    await fsp.rm(this.tmp, { force: true });
    this.keepOnExit();
    // The run's report folder, when this left it empty: a failed run leaves no trace in reports/.
    await fsp.rmdir(path.dirname(this.tmp)).catch(() => undefined);
  }

  /** Writes the lines held to the file, in one write. */
  private async writeLines(): Promise<void> {
    if (this.linesBytes === 0) return;
    // The stream keeps the bytes until they are written: the next lines go to a buffer of their own.
    const text = this.lines.subarray(0, this.linesBytes);
    this.lines = Buffer.allocUnsafe(LINES_BYTES);
    this.linesBytes = 0;
    await this.out.push(text);
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    await this.writeLines();
    if (this.loader) await this.loader.add(rows.map(differenceValues));
    else await insertDifferences(this.store, rows);
  }
}

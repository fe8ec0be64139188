/**
 * The diagnosis on a thread of its own, fed while the run is still being compared: the main thread
 * posts the bytes of `differences.jsonl` as it writes them (DifferenceWriter), and the worker
 * parses them and makes the diagnosis's first pass meanwhile, on a core the join leaves free part
 * of the time. Once the file is complete the worker makes the passes after the first, from the
 * differences it kept or, for a run too large to keep, from the file, while the main thread syncs
 * the exception queue. The worker runs the same `diagnose` on the same differences in the same
 * order, so the result is the one it gives here.
 */
import { Worker } from 'node:worker_threads';
import { builtWorker, rebuildError, type PostedError } from '../util/worker-files.js';
import type { DiagnosisResult } from './diagnose.js';

/** What the worker is started with: plain data, so it can be posted. */
export interface DiagnoseJob {
  runId: string;
  /**
   * The bytes of differences, at most, that the worker keeps parsed for the passes after the first
   * (DifferenceWriter's keepBytes); past them, those passes read the file again, a megabyte at a time.
   */
  keepBytes: number;
  moneyFields?: ReadonlySet<string>;
  measureFields?: ReadonlySet<string>;
}

/** What the main thread posts to the worker: the file's next bytes, then where the complete file is. */
export type FeedMessage = { type: 'lines'; bytes: Uint8Array } | { type: 'end'; file: string };

/** What the worker posts: each chunk taken, then the diagnosis or its failure. */
export type DiagnoseMessage = { type: 'taken' } | ({ type: 'diagnosed' } & DiagnosisResult) | PostedError;

/**
 * Bytes posted and not yet taken by the worker, at most: the differences the worker keeps parsed
 * (DifferenceWriter's 32 MB). A worker that falls further behind (it runs at a lower priority
 * while the join keeps the cores busy) holds the writer back rather than the bytes piling up.
 */
const IN_FLIGHT_BYTES = 32 << 20;

export interface DiagnosisThread {
  /** The diagnosis, when the thread is done. */
  result: Promise<DiagnosisResult>;
  /** Whether `result` has settled (the thread posted its diagnosis or failed). */
  readonly done: boolean;
  /** Stops the thread (a run that failed meanwhile does not wait for it). */
  stop(): Promise<void>;
}

/** The diagnosis thread while the run's differences are being written. */
export interface DiagnosisFeed {
  /** The next bytes of differences.jsonl, as written to it (copied); waits while the thread is behind. */
  lines(bytes: Uint8Array): Promise<void>;
  /** The file is complete at `file` (renamed): the diagnosis finishes. */
  end(file: string): DiagnosisThread;
  /** Stops the thread (the run failed). */
  stop(): Promise<void>;
}

/**
 * Starts the diagnosis thread for a run whose differences are about to be fed to it, or returns
 * undefined when there is no built worker (sources run under vitest). A thread that fails (it
 * cannot read the file for a later pass) fails `result`: the caller diagnoses without it.
 */
export function startDiagnosisFeed(job: DiagnoseJob): DiagnosisFeed | undefined {
  const file = builtWorker('diagnosis/diagnose-worker.js', 'background');
  if (!file) return undefined;
  const worker = new Worker(file, { workerData: job });
  /** The sizes of the chunks posted and not yet taken, in order, and their sum. */
  const posted: number[] = [];
  let inFlight = 0;
  let wake: (() => void) | undefined;
  const woken = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const result = new Promise<DiagnosisResult>((resolve, reject) => {
    worker.on('message', (m: DiagnoseMessage) => {
      if (m.type === 'taken') {
        inFlight -= posted.shift()!;
        woken();
      } else if (m.type === 'error') reject(rebuildError(m));
      else resolve({ diagnosis: m.diagnosis, members: m.members });
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`The diagnosis thread stopped (exit code ${code}).`)));
  });
  let done = false;
  // Notes when it settles (`done`, and a writer waiting goes on), which also keeps a failure before
  // the caller awaits it from being unhandled.
  const settled = () => {
    done = true;
    woken();
  };
  result.then(settled, settled);
  const thread: DiagnosisThread = {
    result,
    get done() {
      return done;
    },
    async stop() {
      await worker.terminate();
    },
  };
  return {
    async lines(bytes) {
      // One chunk at least goes, however large (a line longer than the limit).
      while (inFlight > 0 && inFlight + bytes.byteLength > IN_FLIGHT_BYTES && !done)
        await new Promise<void>((resolve) => (wake = resolve));
      // A thread that failed takes nothing more; its failure shows in `result`.
      if (done) return;
      const copy = new Uint8Array(bytes);
      posted.push(copy.byteLength);
      inFlight += copy.byteLength;
      worker.postMessage({ type: 'lines', bytes: copy } satisfies FeedMessage, [copy.buffer]);
    },
    end(complete) {
      if (!done) worker.postMessage({ type: 'end', file: complete } satisfies FeedMessage);
      return thread;
    },
    stop: thread.stop,
  };
}

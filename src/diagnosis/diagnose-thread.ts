/**
 * The diagnosis on a thread of its own: a worker reads a run's differences from its
 * `differences.jsonl` and diagnoses them while the main thread syncs the exception queue (the main
 * thread keeps no copy of them meanwhile). The worker runs the same `diagnose` on the same
 * differences in the same order, so the result is the one it gives here.
 */
import { Worker } from 'node:worker_threads';
import { builtWorker, rebuildError, type PostedError } from '../util/worker-files.js';
import type { DiagnosisResult } from './diagnose.js';

/** What the worker needs: plain data, so it can be posted. */
export interface DiagnoseJob {
  runId: string;
  /** The run's differences.jsonl, complete (DifferenceWriter.finish): one difference per line, seq 1 first. */
  file: string;
  /** Whether the differences fit in memory: read and parsed once, whole; else streamed on each pass. */
  whole: boolean;
  moneyFields?: ReadonlySet<string>;
  measureFields?: ReadonlySet<string>;
}

/** What the diagnosis worker posts. */
export type DiagnoseMessage = ({ type: 'diagnosed' } & DiagnosisResult) | PostedError;

export interface DiagnosisThread {
  /** The diagnosis, when the thread is done. */
  result: Promise<DiagnosisResult>;
  /** Whether `result` has settled (the thread posted its diagnosis or failed). */
  readonly done: boolean;
  /** Stops the thread (a run that failed meanwhile does not wait for it). */
  stop(): Promise<void>;
}

/** Starts diagnosing `job` on a thread, or returns undefined when there is no built worker (sources run under vitest). */
export function diagnoseOnThread(job: DiagnoseJob): DiagnosisThread | undefined {
  const file = builtWorker('diagnosis/diagnose-worker.js', 'background');
  if (!file) return undefined;
  const worker = new Worker(file);
  worker.postMessage(job);
  const result = new Promise<DiagnosisResult>((resolve, reject) => {
    worker.once('message', (m: DiagnoseMessage) => {
      if (m.type === 'error') reject(rebuildError(m));
      else resolve({ diagnosis: m.diagnosis, members: m.members });
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`The diagnosis thread stopped (exit code ${code}).`)));
  });
  let done = false;
  // Notes when it settles (`done`), which also keeps a failure before the caller awaits it from
  // being unhandled.
  result.then(
    () => (done = true),
    () => (done = true),
  );
  return {
    result,
    get done() {
      return done;
    },
    async stop() {
      await worker.terminate();
    },
  };
}

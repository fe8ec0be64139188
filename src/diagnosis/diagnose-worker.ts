/**
 * The worker thread of `startDiagnosisFeed`: makes the diagnosis's first pass over the bytes of
 * differences.jsonl as they are posted, the passes after it once the file is complete, and posts
 * the result.
 */
import fs from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { postedError } from '../util/worker-files.js';
import {
  differencesOfChunks,
  differencesStreamedFromFile,
  type DifferenceSource,
  type StoredDifference,
} from '../store/differences.js';
import type { DiagnoseJob, DiagnoseMessage, FeedMessage } from './diagnose-thread.js';
import { diagnose } from './diagnose.js';

const port = parentPort!;
const job = workerData as DiagnoseJob;

/**
 * The thread's scheduling priority (Linux's nice, for this thread alone: /proc/thread-self names
 * it): its first pass runs while the join keeps the cores busy, and should take what they leave,
 * not slow the join; at the end, while the main thread syncs the queue, it has a core to itself
 * all the same. Raising a nice value needs no privilege; elsewhere (no /proc) it runs as it is.
 */
const NICE = 10;
try {
  const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, NICE);
} catch {
  // Not Linux, or not allowed: the thread runs at the process's priority.
}

/** Chunks posted and not yet taken; the complete file's path once the main thread has said it. */
const chunks: Uint8Array[] = [];
let file: string | undefined;
let wake: (() => void) | undefined;
port.on('message', (m: FeedMessage) => {
  if (m.type === 'lines') chunks.push(m.bytes);
  else file = m.file;
  const w = wake;
  wake = undefined;
  w?.();
});

/** The bytes fed, so far; the differences parsed from them while within the job's keepBytes. */
let fedBytes = 0;
let kept: StoredDifference[] | undefined = [];

/** The chunks as they come, each acknowledged as it is taken, until the file is said complete. */
async function* fed(): AsyncGenerator<Uint8Array> {
  for (;;) {
    const next = chunks.shift();
    if (next) {
      port.postMessage({ type: 'taken' } satisfies DiagnoseMessage);
      fedBytes += next.byteLength;
      if (fedBytes > job.keepBytes) kept = undefined;
      yield next;
    } else if (file !== undefined) return;
    else await new Promise<void>((resolve) => (wake = resolve));
  }
}

async function* firstPass(): AsyncGenerator<StoredDifference> {
  for await (const d of differencesOfChunks(fed())) {
    kept?.push(d);
    yield d;
  }
}

async function* keptPass(all: StoredDifference[]): AsyncGenerator<StoredDifference> {
  yield* all;
}

/** The first pass as fed; the others from what it kept, or the complete file. */
let passes = 0;
const source: DifferenceSource = () =>
  passes++ === 0 ? firstPass() : kept ? keptPass(kept) : differencesStreamedFromFile(file!)();

void (async () => {
  let out: DiagnoseMessage;
  try {
    const result = await diagnose({
      runId: job.runId,
      source,
      moneyFields: job.moneyFields,
      measureFields: job.measureFields,
    });
    out = { type: 'diagnosed', ...result };
  } catch (e) {
    out = postedError(e);
  }
  port.postMessage(out);
  port.close();
})();

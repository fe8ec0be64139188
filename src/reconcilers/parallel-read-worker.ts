/**
 * The worker thread of `readSideParallel`: started with its connection only, it loads that adapter's
 * module while it waits for its job; then it reads one side (its own adapter), normalizes and encodes
 * it, and posts batches of held lines, at most MAX_IN_FLIGHT unacknowledged at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { preloadAdapter } from '../adapters/lazy-adapter.js';
import type { ConnectionConfig } from '../config/load-config.js';
import {
  encodeSide,
  MAX_IN_FLIGHT,
  type ReaderMessage,
  type SideJob,
  type WorkerMessage,
} from './parallel-read.js';
import type { TapState } from './run-taps.js';
import { postedError } from '../util/worker-files.js';
import { BatchBuffers } from './parallel-pack.js';

const port = parentPort!;
// The adapter's module, loaded while the main thread opens its connections (the job comes after).
const preloading = preloadAdapter((workerData as { connection: ConnectionConfig }).connection);
let credits = MAX_IN_FLIGHT;
let wake: (() => void) | undefined;
// The batches' buffers, handed back once their lines are stored.
const buffers = new BatchBuffers();
port.on('message', (m: ReaderMessage) => {
  if (m === 'ack') {
    credits++;
    wake?.();
  } else if (m.type === 'buffer') buffers.give(m.buffer);
  else void run(m.job);
});

const post = (m: WorkerMessage, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);

/** Runs the read to its end; every failure goes to the main thread as a message. */
async function run(job: SideJob): Promise<void> {
  try {
    await preloading;
    let taps: TapState | undefined;
    for await (const b of encodeSide(job, undefined, (t) => (taps = t), buffers)) {
      while (credits === 0) await new Promise<void>((r) => (wake = r));
      credits--;
      // packBatch's arrays own their whole buffers: transferred, not copied.
      post({ type: 'batch', batch: b }, [b.bytes.buffer as ArrayBuffer, b.offsets.buffer as ArrayBuffer]);
    }
    post({ type: 'end', ...(taps ? { taps } : {}) });
  } catch (e) {
    post(postedError(e));
  } finally {
    port.unref();
  }
}

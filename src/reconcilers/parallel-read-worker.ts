/**
 * The worker thread of `readSideParallel`: reads one side (its own adapter), normalizes and encodes
 * it, and posts batches of held lines, at most MAX_IN_FLIGHT unacknowledged at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { encodeSide, MAX_IN_FLIGHT, type SideJob, type WorkerMessage } from './parallel-read.js';
import type { TapState } from './run-taps.js';
import { postedError } from './worker-files.js';

const port = parentPort!;
let credits = MAX_IN_FLIGHT;
let wake: (() => void) | undefined;
port.on('message', (m) => {
  if (m === 'ack') {
    credits++;
    wake?.();
  }
});

const post = (m: WorkerMessage, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);

/** Runs the read to its end; every failure goes to the main thread as a message. */
async function run(): Promise<void> {
  try {
    let taps: TapState | undefined;
    for await (const b of encodeSide(workerData as SideJob, undefined, (t) => (taps = t))) {
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

void run();

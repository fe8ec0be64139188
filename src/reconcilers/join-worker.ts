/**
 * The worker thread of `startJoinThread`: joins each partition it is sent with the engine's own
 * join (compare.ts) and posts back its differences and counts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { compilePlan, joinSource, zeroCounts } from './compare.js';
import type { JoinJob, JoinMessage } from './join-thread.js';
import { PartitionReader, type PartitionSource } from './partition-store.js';
import { postedError } from '../util/worker-files.js';

const port = parentPort!;
const job = workerData as JoinJob;
const plan = compilePlan(job.mapping);
const reader = new PartitionReader(job.store);

port.on('message', (m: { id: number; source: PartitionSource }) => {
  let out: JoinMessage;
  try {
    const counts = zeroCounts();
    const fieldMismatches: Record<string, number> = {};
    const diffs = [...joinSource(plan, reader, m.source, counts, fieldMismatches)];
    out = { type: 'joined', id: m.id, diffs, counts, fieldMismatches };
  } catch (e) {
    out = { ...postedError(e), id: m.id };
  }
  port.postMessage(out);
});

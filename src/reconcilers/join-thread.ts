/**
 * The join's second core: a worker thread that joins the partitions the main thread hands it
 * (`joinShared`: as many as it can take while the main thread records) while the main thread joins
 * the rest, and posts back each partition's differences and counts. The main thread yields them in partition order, so a run's differences come out in the
 * same order whichever thread joined them.
 */
import { Worker } from 'node:worker_threads';
import type { Mapping } from '../config/mapping-schema.js';
import type { PartitionSource, PartitionStoreOptions } from './partition-store.js';
import type { Difference, ReconcileCounts } from './types.js';
import { builtWorker, workerRequests, type PostedError } from '../util/worker-files.js';

/** What a join thread needs: plain data, so it can be posted. */
export interface JoinJob {
  mapping: Mapping;
  store: Pick<PartitionStoreOptions, 'memoryBytes' | 'partitionBytes' | 'partitions'>;
}

/** One partition joined: its differences in order, and what it adds to the counts. */
export interface JoinResult {
  diffs: Difference[];
  counts: ReconcileCounts;
  fieldMismatches: Record<string, number>;
}

/** What the join worker posts. */
export type JoinMessage = ({ type: 'joined'; id: number } & JoinResult) | (PostedError & { id?: number });

export interface JoinThread {
  /** Joins one partition on the thread (its bytes are copied to it, or it reads its files). */
  join(source: PartitionSource): Promise<JoinResult>;
  stop(): Promise<void>;
}

/** Starts a join thread, or returns undefined when there is no built worker (sources run under vitest). */
export function startJoinThread(job: JoinJob): JoinThread | undefined {
  const file = builtWorker('reconcilers/join-worker.js');
  if (!file) return undefined;
  const worker = workerRequests<JoinResult & { id: number }>(
    new Worker(file, { workerData: job }),
    'The join thread',
  );
  return {
    join(source) {
      if (!('legacy' in source)) return worker.request({ source });
      // Copies of exactly the partition's bytes, handed over (transferred), not serialized.
      const legacy = owned(source.legacy);
      const cloud = owned(source.cloud);
      return worker.request({ source: { legacy, cloud } }, [legacy.buffer, cloud.buffer]);
    },
    stop: () => worker.stop(),
  };
}

/** A copy of `b` that owns its whole ArrayBuffer (so it can be transferred). */
function owned(b: Uint8Array): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(new ArrayBuffer(b.byteLength));
  copy.set(b);
  return copy;
}

/**
 * V8's optimizing compiler for the worker threads. By default each isolate hands a hot function to
 * a background thread of V8's pool and goes on running it unoptimized meanwhile. On a machine with
 * few cores a run already keeps them busy (two reader threads, the main thread, the join's second
 * thread, the database's backends): the background compilations wait for a core while the threads
 * run slower code, and the pool's threads cost CPU on top. At 1M rows per side on a 2-core machine,
 * optimizing on the worker's own thread took 0.4–0.9 s of CPU off the pool's threads and, at 1%
 * differences, 0.2–0.5 s off the run's (medians of alternated pairs; the wall time moved less than
 * the machine's noise: docs/benchmarks.md, "Worker isolates optimize in place"). The diagnosis
 * thread is the exception: it runs after the join, while a core is free, and optimizing on its own
 * thread made the run's tail ~0.1 s longer at 10k differences (WorkerCompilation).
 */
import os from 'node:os';
import v8 from 'node:v8';

/** Up to this many cores, worker isolates optimize in place: a run's threads keep that many busy. */
export const FEW_CORES = 4;

/** V8's flag in any spelling node accepts: one dash or two, `no` with `-`, `_` or nothing, `-` or `_`. */
const RECOMPILATION_FLAG = /^--?(no[-_]?)?concurrent[-_]recompilation$/;

/**
 * Whether worker isolates should optimize on their own thread: on FEW_CORES cores or fewer (the
 * cores the process may run on, `os.availableParallelism()`: a container's CPU quota is not
 * counted), unless node was started with the flag either way (`node --concurrent-recompilation
 * bin/run.js …`; NODE_OPTIONS does not take it), which is left as it is.
 */
export function optimizeInPlace(cores: number, execArgv: readonly string[]): boolean {
  return cores <= FEW_CORES && !execArgv.some((a) => RECOMPILATION_FLAG.test(a));
}

/**
 * How a worker's isolate optimizes: on its own thread (`in-place`: a thread of the read and join,
 * which run while every core is busy), on V8's pool (`background`: the diagnosis thread, which runs
 * at the end while the main thread mostly waits for it, so the pool has a core to itself), or as
 * the previous worker's did (`as-is`: a thread too short for it to matter, the store's checkpoint).
 */
export type WorkerCompilation = 'in-place' | 'background' | 'as-is';

/** Whether this process sets the compiler of its workers (optimizeInPlace), decided once. */
let fewCores: boolean | undefined;
/** Whether V8's flag now says in place (the main thread's isolate was created with its default). */
let inPlaceNow = false;

/**
 * Sets V8's flag for the isolates created from now on (each worker thread's) to what `mode` asks,
 * where this process sets it at all (optimizeInPlace). The main thread's isolate, created at start,
 * keeps V8's default. Called just before every worker thread starts (`builtWorker`). A worker's
 * isolate reads the flag on its own thread as it starts: a worker of one mode started while one of
 * the other is still starting might get the other's (a matter of speed only); the run starts its
 * background worker, the diagnosis, when no other is starting but the checkpoint's, which is `as-is`.
 */
export function prepareWorkerCompilation(mode: WorkerCompilation = 'in-place'): void {
  fewCores ??= optimizeInPlace(os.availableParallelism(), process.execArgv);
  if (!fewCores || mode === 'as-is' || (mode === 'in-place') === inPlaceNow) return;
  inPlaceNow = mode === 'in-place';
  v8.setFlagsFromString(inPlaceNow ? '--no-concurrent-recompilation' : '--concurrent-recompilation');
}

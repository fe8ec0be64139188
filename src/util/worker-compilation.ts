/**
 * V8's optimizing compiler for the worker threads. By default each isolate hands a hot function to
 * a background thread of V8's pool and goes on running it unoptimized meanwhile. On a machine with
 * few cores a run already keeps them busy (two reader threads, the main thread, the join's second
 * thread, the database's backends): the background compilations wait for a core while the threads
 * run slower code, and the pool's threads cost CPU on top. At 1M rows per side on a 2-core machine,
 * optimizing on the worker's own thread took 0.4–0.9 s of CPU off the pool's threads and, at 1%
 * differences, 0.2–0.5 s off the run's (medians of alternated pairs; the wall time moved less than
 * the machine's noise: docs/benchmarks.md, "Worker isolates optimize in place").
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

let decided: boolean | undefined;

/**
 * Sets V8's flag for the isolates created from now on (each worker thread's), once per process;
 * returns whether they optimize in place. The main thread's isolate, created at start, keeps V8's
 * default. Called before every worker thread starts (`builtWorker`).
 */
export function prepareWorkerCompilation(): boolean {
  if (decided === undefined) {
    decided = optimizeInPlace(os.availableParallelism(), process.execArgv);
    if (decided) v8.setFlagsFromString('--no-concurrent-recompilation');
  }
  return decided;
}

/**
 * Worker isolates optimize in place on few cores (src/util/worker-compilation.ts): the decision,
 * and in a child process that the workers started after `builtWorker` found its file have no
 * background compiler (V8's %IsConcurrentRecompilationSupported, asked of the isolate itself) on
 * few cores, keep it on more, and keep it where node was given the flag; the main thread keeps its
 * own either way.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { builtWorker } from '../../../src/util/worker-files.js';
import { FEW_CORES, optimizeInPlace, type WorkerCompilation } from '../../../src/util/worker-compilation.js';

describe('optimizeInPlace', () => {
  it('on up to FEW_CORES cores, unless node was given the flag either way', () => {
    expect(FEW_CORES).toBe(4);
    expect(optimizeInPlace(1, [])).toBe(true);
    expect(optimizeInPlace(2, ['--stack-size=2000', '--enable-source-maps'])).toBe(true);
    expect(optimizeInPlace(4, [])).toBe(true);
    expect(optimizeInPlace(5, [])).toBe(false);
    expect(optimizeInPlace(64, [])).toBe(false);
    for (const flag of [
      '--concurrent-recompilation',
      '-concurrent-recompilation',
      '--no-concurrent-recompilation',
      '--noconcurrent-recompilation',
      '--no_concurrent_recompilation',
      '--concurrent_recompilation',
    ])
      expect(optimizeInPlace(2, [flag])).toBe(false);
    // Flags that only contain the words are not it.
    expect(optimizeInPlace(2, ['--concurrent-recompilation-queue-length=8'])).toBe(true);
    expect(optimizeInPlace(2, ['--nope-concurrent-recompilation'])).toBe(true);
  });
});

interface Isolates {
  /** Whether the main thread's and a worker's isolate compile in the background. */
  main: boolean;
  worker: boolean;
  /** Each worker's, when several were started one after the other (`modes`). */
  workers: boolean[];
}

/**
 * Runs node with `flags` on a script that reports `cores` cores and, for each of `modes` in turn,
 * finds a built worker in that mode (which sets the compiler for the isolates to come) and starts
 * one, waiting for its answer before the next; then asks its own isolate. Whether each compiles in
 * the background.
 */
function isolatesWith(
  cores: number,
  flags: string[] = [],
  modes: WorkerCompilation[] = ['in-place'],
): Isolates {
  const worker = builtWorker('reconcilers/join-worker.js');
  if (!worker) throw new Error('No built worker in dist/: run `npm run build` first.');
  const files = new URL('../util/worker-files.js', worker).href;
  const code =
    "import { parentPort } from 'node:worker_threads'; parentPort.postMessage(%IsConcurrentRecompilationSupported());";
  const script = `
    const os = (await import('node:os')).default;
    os.availableParallelism = () => ${cores};
    const { Worker } = await import('node:worker_threads');
    const { builtWorker } = await import(${JSON.stringify(files)});
    const workers = [];
    for (const mode of ${JSON.stringify(modes)}) {
      if (!builtWorker('reconcilers/join-worker.js', mode)) throw new Error('no built worker');
      const w = new Worker(${JSON.stringify(code)}, { eval: true });
      workers.push(await new Promise((resolve) => w.once('message', resolve)));
    }
    const main = %IsConcurrentRecompilationSupported();
    console.log(JSON.stringify({ main, worker: workers[0], workers }));`;
  const r = spawnSync(
    process.execPath,
    ['--allow-natives-syntax', ...flags, '--input-type=module', '-e', script],
    { timeout: 20_000, encoding: 'utf8' },
  );
  expect(r.error).toBeUndefined();
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout) as Isolates;
  expect(out.workers).toHaveLength(modes.length);
  return out;
}

/** The first worker's answer and the main thread's, as most cases ask. */
function first(cores: number, flags: string[] = []): Omit<Isolates, 'workers'> {
  const { main, worker } = isolatesWith(cores, flags);
  return { main, worker };
}

describe('worker isolates after builtWorker', () => {
  it('optimize in place on FEW_CORES cores or fewer; the main thread keeps its background compiler', () => {
    expect(first(2)).toEqual({ main: true, worker: false });
    expect(first(FEW_CORES)).toEqual({ main: true, worker: false });
  });

  it('keep the background compiler on more cores', () => {
    expect(first(FEW_CORES + 1)).toEqual({ main: true, worker: true });
  });

  it('keep node’s own choice, either way', () => {
    expect(first(2, ['--concurrent-recompilation'])).toEqual({ main: true, worker: true });
    expect(first(2, ['--no-concurrent-recompilation'])).toEqual({ main: false, worker: false });
  });

  it('follow each worker’s mode on few cores: background (the diagnosis), in place, as the last one', () => {
    const modes: WorkerCompilation[] = ['in-place', 'background', 'as-is', 'in-place', 'as-is', 'background'];
    expect(isolatesWith(2, [], modes)).toMatchObject({
      main: true,
      workers: [false, true, true, false, false, true],
    });
    // As-is before any other: V8's default.
    expect(isolatesWith(2, [], ['as-is']).workers).toEqual([true]);
    // More cores, or node's own flag: every worker as node says, whatever its mode.
    expect(isolatesWith(FEW_CORES + 1, [], modes).workers).toEqual(modes.map(() => true));
    expect(isolatesWith(2, ['--no-concurrent-recompilation'], modes).workers).toEqual(modes.map(() => false));
  });
});

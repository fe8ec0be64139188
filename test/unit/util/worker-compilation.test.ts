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
import { FEW_CORES, optimizeInPlace } from '../../../src/util/worker-compilation.js';

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
}

/**
 * Runs node with `flags` on a script that reports `cores` cores, finds a built worker (which sets
 * the compiler for the isolates to come), then asks a new worker's isolate and its own whether
 * they compile in the background.
 */
function isolatesWith(cores: number, flags: string[] = []): Isolates {
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
    if (!builtWorker('reconcilers/join-worker.js')) throw new Error('no built worker');
    const w = new Worker(${JSON.stringify(code)}, { eval: true });
    w.on('message', (worker) =>
      console.log(JSON.stringify({ main: %IsConcurrentRecompilationSupported(), worker })),
    );`;
  const r = spawnSync(
    process.execPath,
    ['--allow-natives-syntax', ...flags, '--input-type=module', '-e', script],
    { timeout: 20_000, encoding: 'utf8' },
  );
  expect(r.error).toBeUndefined();
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Isolates;
}

describe('worker isolates after builtWorker', () => {
  it('optimize in place on FEW_CORES cores or fewer; the main thread keeps its background compiler', () => {
    expect(isolatesWith(2)).toEqual({ main: true, worker: false });
    expect(isolatesWith(FEW_CORES)).toEqual({ main: true, worker: false });
  });

  it('keep the background compiler on more cores', () => {
    expect(isolatesWith(FEW_CORES + 1)).toEqual({ main: true, worker: true });
  });

  it('keep node’s own choice, either way', () => {
    expect(isolatesWith(2, ['--concurrent-recompilation'])).toEqual({ main: true, worker: true });
    expect(isolatesWith(2, ['--no-concurrent-recompilation'])).toEqual({ main: false, worker: false });
  });
});

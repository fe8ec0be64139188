/**
 * Worker isolates optimize in place on few cores (src/util/worker-compilation.ts): the decision, and
 * in a child process that a worker started after `builtWorker` found its file does optimize a
 * function at once when asked to optimize it concurrently (V8 then compiles in place), and does not
 * where node was started with `--concurrent-recompilation`.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { builtWorker } from '../../../src/util/worker-files.js';
import { FEW_CORES, optimizeInPlace } from '../../../src/util/worker-compilation.js';

describe('optimizeInPlace', () => {
  it('on up to FEW_CORES cores, unless node was given a flag about it', () => {
    expect(FEW_CORES).toBe(4);
    expect(optimizeInPlace(1, [])).toBe(true);
    expect(optimizeInPlace(2, ['--stack-size=2000', '--enable-source-maps'])).toBe(true);
    expect(optimizeInPlace(4, [])).toBe(true);
    expect(optimizeInPlace(5, [])).toBe(false);
    expect(optimizeInPlace(64, [])).toBe(false);
    for (const flag of [
      '--concurrent-recompilation',
      '--no-concurrent-recompilation',
      '--concurrent_recompilation',
      '--no-concurrent_recompilation',
    ])
      expect(optimizeInPlace(2, [flag])).toBe(false);
    // A flag that only contains the words is not one about it.
    expect(optimizeInPlace(2, ['--concurrent-recompilation-queue-length=8'])).toBe(true);
  });
});

/** V8's %GetOptimizationStatus bits (runtime-test.cc): optimized by TurboFan; queued or compiling in the background. */
const TURBOFANNED = 1 << 6;
const CONCURRENT = (1 << 9) | (1 << 10);

/**
 * Runs node with `flags` on a script that finds a built worker (which sets the compiler for the
 * isolates to come), then reports whether they were to optimize in place and a fresh worker's status
 * of a function asked to optimize concurrently.
 */
function statusInWorker(flags: string[]): { inPlace: boolean; status: number } {
  const worker = builtWorker('reconcilers/join-worker.js');
  if (!worker) throw new Error('No built worker in dist/: run `npm run build` first.');
  const files = new URL('../util/worker-files.js', worker).href;
  const compilation = new URL('../util/worker-compilation.js', worker).href;
  const code = [
    "import { parentPort } from 'node:worker_threads';",
    // A background compilation done before the status is read is not installed meanwhile (the
    // test would otherwise race it on a busy machine).
    '%DisableOptimizationFinalization();',
    'function f(x) { return x * 2 + 1; }',
    '%PrepareFunctionForOptimization(f); f(1); f(2);',
    '%OptimizeFunctionOnNextCall(f, "concurrent"); f(3);',
    'parentPort.postMessage(%GetOptimizationStatus(f));',
  ].join('\n');
  const script = `
    const { Worker } = await import('node:worker_threads');
    const { builtWorker } = await import(${JSON.stringify(files)});
    const { optimizeInPlace } = await import(${JSON.stringify(compilation)});
    const { availableParallelism } = await import('node:os');
    builtWorker('reconcilers/join-worker.js');
    const inPlace = optimizeInPlace(availableParallelism(), process.execArgv);
    const w = new Worker(${JSON.stringify(code)}, { eval: true });
    w.on('message', (status) => console.log(JSON.stringify({ inPlace, status })));`;
  const r = spawnSync(
    process.execPath,
    ['--allow-natives-syntax', ...flags, '--input-type=module', '-e', script],
    {
      timeout: 20_000,
      encoding: 'utf8',
    },
  );
  expect(r.error).toBeUndefined();
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as { inPlace: boolean; status: number };
}

describe('worker isolates after builtWorker', () => {
  it('optimize at once where the cores are few, in the background elsewhere', () => {
    const { inPlace, status } = statusInWorker([]);
    if (inPlace) {
      expect(status & TURBOFANNED).toBe(TURBOFANNED);
      expect(status & CONCURRENT).toBe(0);
    } else {
      expect(status & TURBOFANNED).toBe(0);
      expect(status & CONCURRENT).not.toBe(0);
    }
  });

  it('keep node’s own --concurrent-recompilation: optimized in the background', () => {
    const { inPlace, status } = statusInWorker(['--concurrent-recompilation']);
    expect(inPlace).toBe(false);
    expect(status & TURBOFANNED).toBe(0);
    expect(status & CONCURRENT).not.toBe(0);
  });
});

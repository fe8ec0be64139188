/**
 * `cutover demo` end to end: build the two databases and the files, then reconcile the three
 * mappings exactly as `cutover reconcile inventory refunds postings --report xlsx,json` would, and
 * hold the result up against what was planted.
 */
import path from 'node:path';
import { cliInvocation } from './invocation.js';
import type { Logger } from 'pino';
import { loadConfig } from '../config/load-config.js';
import { loadMappings } from '../config/load-mappings.js';
import { openControlStore } from '../store/control-store.js';
import { UsageError } from '../errors.js';
import { runReconcile, type ReportFormat } from '../app/run-reconcile.js';
import { openConnection } from '../app/open-connection.js';
import type { Progress } from '../reconcilers/progress.js';
import type { ReconcileSummary } from '../reconcilers/types.js';
import { buildDemoDatabases } from './build-demo-databases.js';
import { assertDemoFolder, writeDemoFiles } from './write-demo-files.js';
import type { DemoExpected, DomainExpected } from './demo-expected.js';
import { checkAgainstExpected, checkCauses } from './check-expected.js';
import { runSecondNight, type SecondNight } from './second-night.js';

export const DEMO_DOMAINS = ['inventory', 'refunds', 'postings'] as const;
export const DEFAULT_SEED = 20261125;

export interface DemoOptions {
  dir: string;
  scale?: number;
  seed?: number;
  /** Report formats written by each reconcile run. */
  formats?: ReportFormat[];
  logger?: Logger;
  progress?: Progress;
  /** Told what is happening, one short line at a time (the command prints it on stderr). */
  onStep?: (text: string) => void;
  /** The installation's root folder, so "Try next" names a command that runs (`cutover` or `node …/bin/run.js`). */
  root?: string;
}

export interface DemoResult {
  dir: string;
  seed: number;
  scale: number;
  config: string;
  files: string[];
  timings: { buildMs: number; reconcileMs: number; totalMs: number };
  expected: DemoExpected;
  runs: ReconcileSummary[];
  /** After those runs: the replay of events.jsonl, the mappings reconciled again, dashboard.html. */
  secondNight: SecondNight;
  /** Per domain: did reconcile report exactly what was planted? Empty lists mean yes. */
  check: Record<string, string[]>;
  status: 'clean' | 'differences';
  next: string[];
}

/** Builds the demo in `dir`, reconciles all three domains and returns what it found. */
export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  // Typed after `cd` into the demo folder, so a relative bin path is relative to it.
  const cli = opts.root ? cliInvocation(opts.root, path.resolve(opts.dir)) : 'cutover';
  const scale = opts.scale ?? 1;
  const seed = opts.seed ?? DEFAULT_SEED;
  if (!Number.isFinite(scale) || scale <= 0 || scale > 20)
    throw new UsageError(
      `--scale ${scale} is out of range.`,
      'Give a number above 0 and at most 20 (10 builds about a million inventory rows).',
    );
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new UsageError(
      `--seed ${seed} is not a whole number from 0 to 4294967295.`,
      'For example --seed 42.',
    );
  const dir = path.resolve(opts.dir);
  assertDemoFolder(dir);
  const step = opts.onStep ?? (() => undefined);
  const t0 = performance.now();

  step(`Building the legacy and cloud databases in ${dir} (scale ${scale}, seed ${seed})…`);
  const built = buildDemoDatabases({ dir, seed, scale });
  const { files } = writeDemoFiles(dir, built);
  const t1 = performance.now();

  const config = await loadConfig(path.join(dir, 'cutover.yaml'));
  const mappings = await loadMappings(config, [...DEMO_DOMAINS]);
  const store = await openControlStore(config.controlUrl);
  const runs: ReconcileSummary[] = [];
  let secondNight: SecondNight;
  try {
    for (const mapping of mappings) {
      step(`Reconciling ${mapping.name}…`);
      runs.push(
        await runReconcile({
          config,
          store,
          mapping,
          formats: opts.formats ?? ['xlsx', 'json'],
          openAdapter: (name) => openConnection(config, name, opts.logger),
          logger: opts.logger,
          progress: opts.progress,
        }),
      );
    }
    secondNight = await runSecondNight({ dir, config, store, mappings, logger: opts.logger, step });
  } finally {
    await store.close();
  }
  const t2 = performance.now();

  const check: Record<string, string[]> = {};
  for (const run of runs)
    check[run.name] = [
      ...checkAgainstExpected(
        run,
        built.expected[run.name as (typeof DEMO_DOMAINS)[number]] as DomainExpected,
      ),
      ...checkCauses(
        run,
        built.expected.planted.filter((p) => p.domain === run.name),
      ),
    ];
  const inventoryRun = runs.find((r) => r.name === 'inventory')?.runId ?? '<run>';
  return {
    dir,
    seed,
    scale,
    config: config.file,
    files,
    timings: { buildMs: Math.round(t1 - t0), reconcileMs: Math.round(t2 - t1), totalMs: Math.round(t2 - t0) },
    expected: built.expected,
    runs,
    secondNight,
    check,
    status: runs.some((r) => r.status !== 'clean') ? 'differences' : 'clean',
    next: [
      `cd ${shownDir(dir)}`,
      ...[
        'exceptions list',
        `report ${inventoryRun} --format md`,
        'replay --events events.jsonl --dry-run',
        'replay --events events.jsonl',
        'reconcile --all',
        `rollback plan --run ${secondNight.replay.runId ?? '<the replay run id>'}`,
        'dashboard --out dashboard.html',
      ].map((cmd) => `${cli} ${cmd}`),
    ],
  };
}

/** The folder as a user would type it: relative when under the working folder. */
function shownDir(dir: string): string {
  const rel = path.relative(process.cwd(), dir);
  return rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? dir : rel;
}

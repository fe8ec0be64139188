import type { LoadedConfig } from '../config/load-config.js';
import type { EventsMapping } from '../config/events-schema.js';
import type { ControlStore } from '../store/control-store.js';
import type { Adapter } from '../adapters/types.js';
import type { Logger } from '../util/logger.js';
import { createRun, finishRun, getRun, setRunStatus, setRunSummary } from '../store/runs.js';
import { claimRun } from '../store/run-liveness.js';
import { UsageError } from '../errors.js';
import {
  parseSourceSpec,
  sourceIdentity,
  readJsonLineBatches,
  readOutboxTable,
  type SourceIdentity,
} from '../replay/sources.js';
import { indexEvents, type EventIndex } from '../replay/ordering.js';
import { checkTargetTables, checkTargets, openTarget, type Target } from '../replay/targets.js';
import {
  ensureLedger,
  LEDGER_TABLE,
  ledgerMismatch,
  ledgerRuns,
  type LedgerEntry,
} from '../replay/ledger.js';
import { ensureHttpLedger, HTTP_LEDGER_TABLE } from '../replay/apply-http.js';
import type { ExecContext } from '../replay/executor.js';
import type { ReplayCounts, TypeStats } from '../replay/tally.js';
import { ReplayScheduler } from './replay-scheduler.js';
import type { ReplayProgress, ReplayResult } from '../replay/replay-types.js';
import { dryRun } from '../replay/dry-run.js';
import { loadWriteColumns, type WriteColumns } from '../replay/write-values.js';

export interface ReplayOptions {
  config: LoadedConfig;
  store: ControlStore;
  mapping: EventsMapping;
  /** --events: a .jsonl/.jsonl.gz file or CONNECTION:TABLE. */
  events: string;
  target?: string;
  concurrency: number;
  /** Events per second cap. */
  rate?: number;
  attempts: number;
  /** Events of different keys per database transaction (1 = one transaction per event); default: defaultGroup. */
  group?: number;
  dryRun: boolean;
  resume?: string;
  openAdapter: (name: string) => Promise<Adapter>;
  logger: Logger;
  signal?: AbortSignal;
  onProgress?: (p: ReplayProgress) => void;
  backoffBaseMs?: number;
  httpTimeoutMs?: number;
}

export type { ReplayCounts, ReplayProgress, ReplayResult, TypeStats };

/**
 * Replays captured events: index the source (validating every record), then apply each key's
 * chain strictly in order while different keys run concurrently on a p-queue (`concurrency`, and
 * `intervalCap`/`interval` for --rate). A task takes the heads of up to `group` ready chains bound
 * for the same target and applies them together; a chain goes back to the ready list only when its
 * head is done, so one key never has two events in flight. A permanent failure parks the rest of
 * its chain and every other key carries on.
 */
export async function runReplay(opts: ReplayOptions): Promise<ReplayResult> {
  const t0 = Date.now();
  const { config, store, mapping, logger } = opts;
  const targetNames = checkTargets(config, mapping, opts.target);
  const spec = parseSourceSpec(opts.events, config);
  const identity = await sourceIdentity(spec);

  if (opts.resume) {
    const run = await getRun(store, opts.resume, 'replay');
    const saved = (run.summary as { source?: SourceIdentity } | null)?.source;
    const changed = sourceChange(run.id, saved, identity);
    if (changed)
      throw new UsageError(
        changed,
        'Resume a run with the --events source exactly as it started with it, or start a new run without --resume (the events already applied are in the ledger and are skipped).',
      );
  }

  const knownTypes = new Set(Object.keys(mapping.events));
  const records =
    spec.kind === 'file'
      ? readJsonLineBatches(spec.path)
      : readOutboxTable(await opts.openAdapter(spec.connection), spec.table);
  const ix = await indexEvents(records, knownTypes);
  logger.debug({ read: ix.read, keys: ix.chains.size }, 'source indexed');

  const targets = new Map<string, Target>();
  const closers: (() => Promise<void>)[] = [];
  try {
    for (const name of targetNames)
      targets.set(name, await openTarget(name, opts.openAdapter, opts.concurrency, (fn) => closers.push(fn)));
    const types = new Set(ix.type.filter((t): t is string => t !== undefined));
    await checkTargetTables(mapping, targets, types, opts.target);
    const columns = await loadWriteColumns(mapping, targets, types, opts.target);
    // The run is recorded only once its source and targets are known good: bad input leaves no
    // half-started run behind, and a dry run records nothing.
    let runId: string | null = null;
    if (opts.dryRun) runId = null;
    else if (opts.resume) {
      runId = opts.resume;
      await claimRun(store, runId, 'running');
    } else {
      runId = await createRun(store, { prefix: 'p', command: 'replay' });
      const checkpoint = { source: identity, mappingFile: mapping.file, target: opts.target ?? null };
      await setRunSummary(store, runId, checkpoint);
    }
    try {
      return await replayOn(opts, { runId, spec, identity, ix, targets, targetNames, columns, t0 });
    } catch (err) {
      // A failure half-way (a lost connection): the run can be resumed, and says so.
      if (runId) await setRunStatus(store, runId, 'interrupted').catch(() => undefined);
      throw err;
    }
  } finally {
    for (const close of closers) await close();
  }
}

async function replayOn(
  opts: ReplayOptions,
  env: {
    runId: string | null;
    spec: ReturnType<typeof parseSourceSpec>;
    identity: SourceIdentity;
    ix: EventIndex;
    targets: Map<string, Target>;
    targetNames: string[];
    columns: WriteColumns;
    t0: number;
  },
): Promise<ReplayResult> {
  const { store, mapping, logger } = opts;
  const { runId, spec, identity, ix, targets, targetNames, columns, t0 } = env;
  const ids = ix.id.filter((x): x is string => x !== undefined);
  const done = new Set<string>();
  // Events this same run applied before it was interrupted (a --resume): still this run's work.
  const mine = new Set<string>();
  const found = new Map<string, LedgerEntry>();
  for (const t of targets.values()) {
    const db = t.kind === 'db';
    const knex = db ? t.knex : store.knex;
    const table = db ? LEDGER_TABLE : HTTP_LEDGER_TABLE;
    if (!opts.dryRun) await (db ? ensureLedger(t.db) : ensureHttpLedger(store.db));
    if (await knex.schema.hasTable(table))
      for (const [id, entry] of await ledgerRuns(knex, ids, table)) found.set(id, entry);
  }
  if (found.size) checkLedgered(ix, found, runId, done, mine);

  if (opts.dryRun) {
    const dry = await dryRun({ ix, mapping, targets, done, targetOverride: opts.target, columns });
    return {
      runId: null,
      status: 'dry-run',
      counts: dry.counts,
      exceptions: { opened: 0 },
      byType: dry.byType,
      failures: [],
      source: identity,
      mappingFile: mapping.file,
      targets: targetNames,
      elapsedMs: Date.now() - t0,
      eventsPerSecond: 0,
      resumed: false,
      dryRun: dry,
    };
  }

  const ctx: ExecContext = {
    mapping,
    targets,
    targetOverride: opts.target,
    store,
    runId: runId!,
    attempts: opts.attempts,
    backoffBaseMs: opts.backoffBaseMs,
    httpTimeoutMs: opts.httpTimeoutMs,
    logger,
    columns,
  };
  const source = spec.kind === 'file' ? spec.path : `${spec.connection}:${spec.table}`;
  const scheduler = new ReplayScheduler({
    store,
    mapping,
    ctx,
    ix,
    targets,
    runId: runId!,
    source,
    target: opts.target,
    done,
    mine,
    concurrency: opts.concurrency,
    group: opts.rate ? 1 : Math.max(1, opts.group ?? defaultGroup(opts.concurrency)),
    rate: opts.rate,
    signal: opts.signal,
    onProgress: opts.onProgress,
    t0,
  });
  const { stopped, tally, failures, opened, appliedBefore } = await scheduler.run();
  const counts = tally.counts;
  const status = stopped ? 'interrupted' : counts.failed || counts.parked ? 'failures' : 'complete';
  const elapsedMs = Date.now() - t0;
  const result: ReplayResult = {
    runId,
    status,
    counts,
    exceptions: { opened },
    byType: tally.types(),
    failures,
    source: identity,
    mappingFile: mapping.file,
    targets: targetNames,
    elapsedMs,
    eventsPerSecond: Math.round(((counts.applied - appliedBefore) * 1000) / Math.max(1, elapsedMs)),
    resumed: Boolean(opts.resume),
  };
  await finishRun(store, runId!, status, result);
  return result;
}

/**
 * Sorts the source's events the ledgers already hold: one whose type, key and occurredAt match its
 * ledger row is done (and this run's own when the row is); one whose id the ledger holds for another
 * event gets that as its problem, so it fails as replay_failed instead of being skipped.
 */
function checkLedgered(
  ix: EventIndex,
  found: Map<string, LedgerEntry>,
  runId: string | null,
  done: Set<string>,
  mine: Set<string>,
): void {
  for (let i = 0; i < ix.id.length; i++) {
    const id = ix.id[i];
    const entry = id === undefined ? undefined : found.get(id);
    if (!entry) continue;
    if (ix.problem[i] !== undefined) {
      // A malformed record fails on its own whatever the ledger holds; its id still counts as done.
      done.add(id!);
      if (entry.run_id === runId) mine.add(id!);
      continue;
    }
    const r = JSON.parse(ix.text[i]!) as Record<string, unknown>;
    const when = r.occurredAt ?? r.occurred_at;
    const occurredAt = when instanceof Date ? when.toISOString() : String(when);
    const problem = ledgerMismatch(id!, entry, { type: ix.type[i]!, key: ix.key[i]!, occurredAt });
    if (problem) ix.problem[i] = problem;
    else {
      done.add(id!);
      if (entry.run_id === runId) mine.add(id!);
    }
  }
}

/**
 * Events per database transaction when --group is not given: about 2,000 events in flight over all
 * connections, 100 to 500 per transaction. Each transaction (one statement on PostgreSQL) has a fixed
 * cost, commit included, that few connections cannot hide; many connections need groups small enough
 * to leave ready keys for all of them.
 */
export function defaultGroup(concurrency: number): number {
  return Math.min(500, Math.max(100, Math.round(2000 / Math.max(1, concurrency))));
}

/**
 * Why `--resume` refuses this source, or undefined when it is the one the run replayed. Each part of
 * the identity that differs is said as such: another file or table, or the same file with other
 * content (another size, or the same size and another checksum) — never two identical descriptions.
 */
export function sourceChange(
  runId: string,
  saved: SourceIdentity | undefined,
  now: SourceIdentity,
): string | undefined {
  if (!saved) return `Run ${runId} recorded no events source, so it cannot be resumed from ${describe(now)}.`;
  if (saved.kind === 'file' && now.kind === 'file') {
    if (saved.path !== now.path) return `Run ${runId} replayed the file ${saved.path}, not ${now.path}.`;
    if (saved.size !== now.size)
      return `The events file ${now.path} changed since run ${runId} replayed it: it had ${saved.size} bytes, it now has ${now.size}.`;
    if (saved.sha256First1MB !== now.sha256First1MB)
      return `The events file ${now.path} changed since run ${runId} replayed it: same size (${now.size} bytes), different content (the SHA-256 checksum of its first MB differs).`;
    return undefined;
  }
  if (
    saved.kind === 'table' &&
    now.kind === 'table' &&
    saved.connection === now.connection &&
    saved.table === now.table
  )
    return undefined;
  return `Run ${runId} replayed ${describe(saved)}, not ${describe(now)}.`;
}

function describe(s: SourceIdentity): string {
  return s.kind === 'file' ? `the file ${s.path}` : `the outbox table ${s.connection}:${s.table}`;
}

export type { EventIndex };

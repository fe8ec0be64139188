/**
 * One mapping's reconcile run, end to end: plan both sides (mapping errors before any query), open
 * both connections, read both sides at once into the compare engine while control totals and domain
 * checks tap the canonical rows, stream every difference to differences.jsonl and the control store,
 * then record the run, sync the exception queue and write the reports.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Adapter } from '../adapters/types.js';
import type { ConnectionConfig, LoadedConfig } from '../config/load-config.js';
import type { Mapping } from '../config/mapping-schema.js';
import { CutoverError, MappingError, UsageError } from '../errors.js';
import type { ControlStore } from '../store/control-store.js';
import { createRun, finishRun, setRunSummary } from '../store/runs.js';
import { silentLogger } from '../util/logger.js';
import {
  openReconcileItems,
  queueFields,
  syncReconcileExceptions,
  type OpenItem,
} from '../exceptions/sync.js';
import { REPORT_FILES, type ReportFormat } from '../reports/formats.js';
import { writeReconcileReports } from '../reports/write-reconcile-reports.js';
import { totalsSummary } from '../reports/control-totals.js';
import { redact } from '../util/redact.js';
import { ensureFolder } from '../reports/atomic-file.js';
import { diagnoseRun } from '../diagnosis/cause-store.js';
import { diagnoseOnThread, type DiagnosisThread } from '../diagnosis/diagnose-thread.js';
import { differencesFromFile, streamDifferences } from '../store/differences.js';
import { measureFieldsOf, moneyFieldsOf } from '../diagnosis/run-diagnosis.js';
import { compareEncoded, type CompareStats, type EncodedBatch } from '../reconcilers/compare.js';
import { DifferenceWriter } from './difference-writer.js';
import { RunTaps, type TapState } from '../reconcilers/run-taps.js';
import {
  jobOfPlan,
  packSide,
  readSideParallel,
  startReaderThread,
  type ReaderThread,
} from '../reconcilers/parallel-read.js';
import { readableFromAnotherThread } from '../adapters/lazy-adapter.js';
import type { Progress } from '../reconcilers/progress.js';
import { planSide, readAhead, withKeySet, type SidePlan } from '../reconcilers/read-side.js';
import type { ReconcileSummary, RecheckSide, RecordDifference, Side } from '../reconcilers/types.js';
import { encodeKey } from '../reconcilers/key.js';
import { durationMs } from '../util/age.js';
import { instantBefore } from '../util/instant-range.js';
import { confirmPass, isoDuration, wait, type ConfirmResult } from './confirm-pass.js';
import { judgeMateriality } from '../reconcilers/materiality.js';
import type { TimeWindow } from '../reconcilers/window.js';
import { certifyAfterRun } from '../signoff/after-run.js';
import {
  checkPushdownColumns,
  checksumBuckets,
  planPushdown,
  planTotals,
  totalsInDatabase,
  type PushdownMode,
  type PushdownPlan,
  type PushdownResult,
} from '../reconcilers/pushdown.js';
import type { PushdownSummary } from '../reconcilers/types.js';

export type { ReportFormat } from '../reports/formats.js';

export interface ReconcileOptions {
  config: LoadedConfig;
  store: ControlStore;
  mapping: Mapping;
  window?: TimeWindow;
  /** Report formats to write (default: the config's `report.formats`). */
  formats?: ReportFormat[];
  /** Memory budget of the compare engine, MB. */
  memoryMb?: number;
  progress?: Progress;
  logger?: Logger;
  /** Opens a connection of cutover.yaml by name (injected, as for replay and rollback); the run closes what it opened. */
  openAdapter: (connection: string) => Promise<Adapter>;
  /** Rows per batch asked of the adapters. */
  batchSize?: number;
  /**
   * --max-differences: the run stops as soon as it has recorded this many differences, with status
   * `stopped` (exit 1); it leaves the exception queue alone (docs/signoff.md).
   */
  maxDifferences?: number;
  /**
   * Told when the run is recorded but its reports could not be written (a full disk, a folder in the
   * way): the run keeps what it found and is returned, naming only the reports that exist. Without
   * it, that error is thrown (after the run is recorded).
   */
  onReportsNotWritten?: (summary: ReconcileSummary, err: unknown) => void;
  /**
   * --recheck: read again only the keys of the mapping's open row-level exception items (a key-set
   * read on both sides), resolve those now equal, update the rest and touch nothing else. Recorded
   * as a run of its own kind (`recheck`); no window, no domain checks, no materiality (it sees a
   * subset). See docs/signoff.md.
   */
  recheck?: boolean;
  /** --confirm-after: the confirm pass's wait, as written (wins over the mapping's and cutover.yaml's). */
  confirmAfter?: string;
  /** --settle: the settle age, as written (wins over the mapping's `settle.age`). */
  settleAge?: string;
  /**
   * Read each side on its own thread (the command does): its own connection, normalizing, the
   * taps and the encoding off the main thread, which only files the bytes and joins. Not for a
   * key-set read, an in-memory database, or a few rows.
   */
  readerThreads?: boolean;
  /** --pushdown: checksum pushdown (wins over the mapping's `pushdown:`; default auto). */
  pushdown?: PushdownMode;
}

/** Rows to read (known after checksum pushdown) below which a side is read without a thread of its own. */
const THREAD_MIN_ROWS = 200_000;

/**
 * From this many differences read back whole, the diagnosis runs on its own thread while the queue
 * is synced (below, starting the thread costs more than it saves).
 */
const DIAGNOSIS_THREAD_MIN = 5000;
/**
 * Differences from which the queue sync's commit holds its checkpoint, made by a thread of its own
 * meanwhile (holdCheckpoints): ~1.2 KB of the store's pages per difference and item at the reconcile
 * bench's widths, so from ~55k the sync passes SQLite's WAL interval (64 MB) and its commit would
 * copy the log. Fewer gain nothing from it, and a thread takes ~50 ms to start.
 */
const CHECKPOINT_ASIDE_MIN = 50_000;

/** A count set in the environment (a whole number, 0 or more), else undefined: tests' and tuning's switches. */
function envCount(name: string): number | undefined {
  const text = process.env[name];
  const v = text ? Number(text) : NaN;
  return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

/** CHECKPOINT_ASIDE_MIN, or CUTOVER_CHECKPOINT_ASIDE_MIN from the environment (tests set it to 0). */
function checkpointAsideMin(): number {
  return envCount('CUTOVER_CHECKPOINT_ASIDE_MIN') ?? CHECKPOINT_ASIDE_MIN;
}

/**
 * Whether the run uses threads of its own (reader threads, the join thread, the diagnosis thread, the
 * store's loader thread): asked for (the command does), and not turned off by CUTOVER_THREADS=0
 * (diagnosing; the test that both paths agree).
 */
function threadsAllowed(opts: ReconcileOptions): boolean {
  return Boolean(opts.readerThreads) && process.env.CUTOVER_THREADS !== '0';
}

/**
 * The compare's switches from the environment, for tests and tuning:
 * - CUTOVER_JOIN_THREAD_MIN_BYTES: the bytes to join from which the join uses its second thread
 *   (default 16 MB; tests set it low to put small tables through the join thread);
 * - CUTOVER_FORCE_SPILL=1: spill from the first row, so that a small table takes the path a big
 *   one takes (tests that must see a run's spill folder).
 */
function compareSwitches(): { joinThreadMinBytes?: number; forceSpill?: boolean } {
  const joinThreadMinBytes = envCount('CUTOVER_JOIN_THREAD_MIN_BYTES');
  return {
    ...(joinThreadMinBytes !== undefined ? { joinThreadMinBytes } : {}),
    ...(process.env.CUTOVER_FORCE_SPILL === '1' ? { forceSpill: true } : {}),
  };
}

/**
 * The connection of a side that may be read on a reader thread, as far as is known before any
 * connection is opened (checksum pushdown may yet leave it a few rows, read here); else undefined.
 */
function threadConnection(opts: ReconcileOptions, plan: SidePlan): ConnectionConfig | undefined {
  const connection = opts.config.connections[plan.connection];
  return threadsAllowed(opts) && !plan.keySet && connection && readableFromAnotherThread(connection)
    ? connection
    : undefined;
}

/** The run's reader threads, per side that may use one; the run stops those its reads left unused. */
type Readers = Partial<Record<Side, ReaderThread>>;

/**
 * Starts the reader threads as soon as the plans are known: a thread's start and module loading
 * (~0.2 s) then overlap this thread opening the connections, checking columns and creating the run.
 */
async function startReaders(opts: ReconcileOptions, plans: Record<Side, SidePlan>): Promise<Readers> {
  const readers: Readers = {};
  try {
    for (const side of ['legacy', 'cloud'] as const) {
      const connection = threadConnection(opts, plans[side]);
      const thread = connection && startReaderThread(connection);
      if (thread) readers[side] = thread;
    }
  } catch (err) {
    // The first thread is not left loading when the second cannot start.
    await stopReaders(readers);
    throw err;
  }
  return readers;
}

/** Stops the reader threads (those a read took are stopped already: stopping again does nothing). */
async function stopReaders(readers: Readers): Promise<void> {
  await Promise.all(Object.values(readers).map((r) => r.stop()));
}

/**
 * One side's rows, encoded for the join: on its reader thread (`started`, or one started now) when
 * the run asks for one and the side allows it, else on this thread through the adapter already
 * open, `started` being stopped. Either way the same code reads, normalizes, taps and encodes
 * (parallel-read.ts).
 */
async function* readSide(
  opts: ReconcileOptions,
  plan: SidePlan,
  adapter: Adapter,
  taps: RunTaps,
  started: ReaderThread | undefined,
): AsyncGenerator<EncodedBatch> {
  const { side } = plan;
  // Checksum pushdown found every bucket equal: there is nothing to read.
  const buckets = plan.request.buckets;
  if (buckets && buckets.select.every((s) => s.buckets.length === 0)) {
    await started?.stop();
    return;
  }
  const connection = threadConnection(opts, plan);
  // A few rows of differing buckets are read quicker here than a thread starts.
  const few = buckets !== undefined && (buckets.rows ?? Infinity) < THREAD_MIN_ROWS;
  const threaded = connection !== undefined && !few;
  opts.logger?.debug({ side, connection: plan.connection, readerThread: threaded }, 'reading a side');
  if (!threaded) {
    await started?.stop();
    yield* packSide(
      adapter,
      plan,
      opts.mapping,
      taps.needsRows ? (rows) => taps.add(side, rows) : undefined,
      (n) => opts.progress?.rows(side, n),
    );
    return;
  }
  const job = jobOfPlan(plan, opts.mapping, connection, taps.spec);
  const onTaps = (state: TapState) => taps.importSide(side, state);
  for await (const batch of readSideParallel(job, true, onTaps, started)) {
    opts.progress?.rows(side, batch.rows);
    yield batch;
  }
}

/** A live run's confirm and settle settings, decided before any connection is opened. */
interface LiveSettings {
  confirm?: { ms: number; text: string };
  settle?: { field: string; ms: number; text: string };
}

function liveSettings(opts: ReconcileOptions): LiveSettings {
  const { mapping, config } = opts;
  if (opts.recheck) return {};
  const out: LiveSettings = {};
  const confirmText = opts.confirmAfter ?? mapping.confirm?.after ?? config.confirmAfter;
  if (confirmText !== undefined) {
    const ms = durationMs(String(confirmText));
    if (ms === undefined)
      throw new UsageError(
        `--confirm-after ${confirmText} is not a duration.`,
        'Write it like 90s, 5m or 1h (a bare number is seconds).',
      );
    out.confirm = { ms, text: String(confirmText) };
  }
  const ageText = opts.settleAge ?? mapping.settle?.age;
  if (ageText !== undefined) {
    const ms = durationMs(String(ageText));
    if (ms === undefined)
      throw new UsageError(
        `--settle ${ageText} is not an age.`,
        'Write it like 15m, 1h or 90s (a bare number is seconds).',
      );
    // Each side's cutoff is its clock minus the age: before year 1 it is no instant a bound can be,
    // and it would leave out every row and call the run clean.
    if (!instantBefore(new Date(), ms)) {
      const [where, Err] =
        opts.settleAge !== undefined
          ? ['--settle', UsageError]
          : [`${mapping.file}: settle.age`, MappingError];
      throw new Err(
        `${where} ${ageText} reaches back before 0001-01-01T00:00:00Z, further than a settle cutoff can.`,
        'A settle age is the time a change takes to reach the other system: minutes or hours (15m, 1h).',
      );
    }
    const field = mapping.settle?.field ?? mapping.window?.field;
    if (!field)
      throw new MappingError(
        `${mapping.file}: a settle window needs the field that says when a row last changed, and mapping ${mapping.name} names none.`,
        'Add settle: { field: updated_at, age: 15m } (or a window: { field: … }) to the mapping.',
      );
    if (mapping.fields[field]?.type !== 'timestamp')
      throw new MappingError(
        `${mapping.file}: settle.field ${field} is ${mapping.fields[field] ? `a ${mapping.fields[field].type} field` : 'not a field of the mapping'}; it must be a timestamp field.`,
        'Name the timestamp field that holds when a row last changed (updated_at, modified_at).',
      );
    out.settle = { field, ms, text: String(ageText) };
  }
  return out;
}

/** The run's pushdown mode and what the mapping allows, decided before any connection is opened. */
function pushdownOf(opts: ReconcileOptions, live: LiveSettings): { mode: PushdownMode; plan: PushdownPlan } {
  const mode = opts.pushdown ?? opts.mapping.pushdown ?? 'auto';
  if (mode === 'off') return { mode, plan: { reason: 'pushdown is off' } };
  const plan = planPushdown(opts.mapping, opts.config.connections, {
    window: Boolean(opts.window),
    settle: Boolean(live.settle),
  });
  if (mode === 'on' && 'reason' in plan) throw pushdownRefused(opts.mapping, plan.reason);
  return { mode, plan };
}

function pushdownRefused(mapping: Mapping, reason: string): UsageError {
  return new UsageError(
    `--pushdown on: mapping ${mapping.name} cannot be checksummed in SQL exactly: ${reason}.`,
    'Run it with --pushdown auto (it is then streamed, as exact as ever) or change what stops it.',
  );
}

/**
 * Checksums both sides by bucket when the mapping and the columns allow it; otherwise says why the
 * run streams every row (`on` refuses instead).
 */
async function pushdown(
  push: { mode: PushdownMode; plan: PushdownPlan },
  ctx: { adapters: Record<Side, Adapter>; taps: RunTaps; plans: Record<Side, SidePlan>; mapping: Mapping },
  logger: Logger,
): Promise<{ result?: PushdownResult; summary: PushdownSummary }> {
  const { plan } = push;
  const { adapters, taps, mapping } = ctx;
  const streamed = (reason: string) => {
    if (push.mode === 'on') throw pushdownRefused(mapping, reason);
    return { summary: { mode: 'stream' as const, reason } };
  };
  if ('reason' in plan) return { summary: { mode: 'stream', reason: plan.reason } };
  const embedded = (['legacy', 'cloud'] as const).find((side) => adapters[side].readInProcess);
  if (embedded && push.mode === 'auto')
    return {
      summary: {
        mode: 'stream',
        reason: `the ${embedded} source (${adapters[embedded].dialect}) is read in this process, where streaming its rows is faster than hashing them (--pushdown on hashes anyway)`,
      },
    };
  const totals = planTotals(plan, taps.totals);
  if ('reason' in totals) return streamed(totals.reason);
  const problem = await checkPushdownColumns(plan, adapters, totals.fields);
  if (problem) return streamed(problem);
  const started = Date.now();
  // The control totals in SQL first: the rows streamed later then add nothing to them.
  const notExact = await totalsInDatabase(plan, totals.queries, taps.totals, adapters, {
    legacy: ctx.plans.legacy.normalizer,
    cloud: ctx.plans.cloud.normalizer,
  });
  if (notExact) return streamed(notExact);
  taps.spec.totals = false;
  const result = await checksumBuckets(plan.specs, adapters);
  logger.debug({ ...result.summary, ms: Date.now() - started }, 'checksum pushdown done');
  return { result, summary: result.summary };
}

/** A path as shown in output: relative to the working folder when it is under it. */
function shownPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

/** Runs one mapping's reconcile and returns its summary (SPEC: Reconciliation results). */
export async function runReconcile(opts: ReconcileOptions): Promise<ReconcileSummary> {
  const { config, mapping } = opts;
  const logger = opts.logger ?? silentLogger();
  const started = new Date();

  if (opts.recheck && opts.window)
    throw new UsageError(
      '--recheck reads the keys of the open exception items, whatever their time: it takes no --since/--until.',
      'Run `cutover reconcile NAME --recheck` without a window.',
    );
  // Everything that can be wrong with the mapping fails here, before a connection is opened.
  const live = liveSettings(opts);
  let plans = {
    legacy: planSide(mapping, 'legacy', config, opts.window, opts.batchSize),
    cloud: planSide(mapping, 'cloud', config, opts.window, opts.batchSize),
  };
  let items: OpenItem[] | undefined;
  if (opts.recheck) {
    items = await openReconcileItems(opts.store, mapping);
    const keys = items.map((i) => i.key);
    plans = {
      legacy: withKeySet(plans.legacy, mapping, keys),
      cloud: withKeySet(plans.cloud, mapping, keys),
    };
  }
  // A recheck sees a subset of the rows: a domain's checks over it (a journal's balance) would be wrong.
  const taps = new RunTaps(mapping, { domain: !items });
  const push = items ? undefined : pushdownOf(opts, live);

  const readers = await startReaders(opts, plans);
  const open = opts.openAdapter;
  const opened: Adapter[] = [];
  const closeAll = async () => {
    for (const a of opened.splice(0)) await a.close().catch(() => undefined);
  };
  try {
    const settled = await Promise.allSettled([open(plans.legacy.connection), open(plans.cloud.connection)]);
    for (const s of settled) if (s.status === 'fulfilled') opened.push(s.value);
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
    const adapters = { legacy: opened[0]!, cloud: opened[1]! };
    await Promise.all(
      (['legacy', 'cloud'] as const).map((side) => adapters[side].checkColumns(plans[side].request)),
    );
    // A window bound a side's engine cannot compare against (MySQL's DATETIME starts at 1000-01-01)
    // is refused as that adapter writes its SQL: here, before a run is recorded, not at the read.
    for (const side of ['legacy', 'cloud'] as const)
      if (plans[side].request.window) adapters[side].describeRead(plans[side].request);
    return await execute(opts, {
      plans,
      adapters,
      taps,
      started,
      logger,
      items,
      live,
      push,
      readers,
    });
  } finally {
    await stopReaders(readers);
    await closeAll();
  }
}

async function execute(
  opts: ReconcileOptions,
  ctx: {
    plans: Record<Side, ReturnType<typeof planSide>>;
    adapters: Record<Side, Adapter>;
    taps: RunTaps;
    started: Date;
    logger: Logger;
    /** A recheck's open items. */
    items?: OpenItem[];
    live?: LiveSettings;
    /** Checksum pushdown: what the mapping allows (a recheck has none). */
    push?: { mode: PushdownMode; plan: PushdownPlan };
    /** Reader threads started for the sides (readSide takes them). */
    readers?: Readers;
  },
): Promise<ReconcileSummary> {
  const { config, store, mapping, progress } = opts;
  const { plans, adapters, taps, started, logger, items } = ctx;
  const { domain, totals } = taps;
  const live = ctx.live ?? {};
  const keyText = (k: Record<string, string | null>) => encodeKey(k, mapping.key);
  // The settle window: each side's cutoff by that database's own clock; keys with a younger row on
  // either side are noted while reading, and their differences left out.
  const settle = live.settle
    ? {
        ...live.settle,
        cutoff: {
          legacy: BigInt((await adapters.legacy.clock()).getTime() - live.settle.ms) * 1000n,
          cloud: BigInt((await adapters.cloud.clock()).getTime() - live.settle.ms) * 1000n,
        },
        differencesSkipped: 0,
      }
    : undefined;
  if (settle) taps.spec.settle = { field: settle.field, cutoff: settle.cutoff };
  await ensureFolder(
    config.reportsDir,
    'The reports folder',
    `Set \`reports:\` in ${config.file} to a folder (or a path where one can be created) and run again.`,
  );
  const runId = await createRun(store, {
    prefix: items ? 'rc' : 'r',
    command: items ? 'recheck' : 'reconcile',
    name: mapping.name,
    now: started,
  });
  logger.debug({ runId, mapping: mapping.name, window: opts.window }, 'reconcile run started');
  const outDir = path.join(config.reportsDir, runId);
  let writer: DifferenceWriter;
  try {
    writer = new DifferenceWriter(store, runId, mapping.key, path.join(outDir, 'differences.jsonl'), {
      queueFieldsOf: (d) => queueFields(d, mapping),
      threads: threadsAllowed(opts),
    });
  } catch (err) {
    await finishRun(store, runId, 'error', { runId, name: mapping.name, error: redact(String(err)) });
    throw err;
  }
  let pushed: { result?: PushdownResult; summary: PushdownSummary } | undefined;
  try {
    pushed = ctx.push && (await pushdown(ctx.push, { adapters, taps, plans, mapping }, logger));
  } catch (err) {
    await writer.abort().catch(() => undefined);
    await finishRun(store, runId, 'error', { runId, name: mapping.name, error: redact(String(err)) });
    throw err;
  }
  const filter = pushed?.result?.filter;
  // Only the rows of the differing buckets are read; the confirm pass reads keys, whatever their bucket.
  const readPlan = (side: Side): SidePlan =>
    filter && ctx.push && 'specs' in ctx.push.plan
      ? {
          ...plans[side],
          request: {
            ...plans[side].request,
            buckets: {
              spec: ctx.push.plan.specs[side],
              select: filter,
              rows: pushed?.summary.rowsStreamed?.[side],
            },
          },
        }
      : plans[side];
  progress?.start(mapping.name);
  const stream = (side: Side) =>
    readAhead(readSide(opts, readPlan(side), adapters[side], taps, ctx.readers?.[side]));
  const legacy = stream('legacy');
  const cloud = stream('cloud');
  const formats = opts.formats ?? config.reportFormats;
  let recorded: ReconcileSummary;
  let diagnosing: DiagnosisThread | undefined;
  try {
    const max = opts.maxDifferences;
    // Each phase's time goes to the log (--debug): where a slow night's minutes went.
    let phaseStart = Date.now();
    const phase = (name: string, extra: Record<string, unknown> = {}) => {
      const now = Date.now();
      logger.debug({ runId, phase: name, ms: now - phaseStart, ...extra }, 'reconcile phase done');
      phaseStart = now;
    };
    const gen = compareEncoded(mapping, legacy, cloud, {
      memoryMb: opts.memoryMb,
      maxDifferences: max,
      onJoin: (how) => phase('read', how),
      // The join's second core, with the reader threads (the same rule).
      joinThread: threadsAllowed(opts),
      ...compareSwitches(),
    });
    let stats: CompareStats;
    const first: RecordDifference[] = [];
    // Recording a difference may fail (a full disk): the join is closed then, which stops its
    // thread and removes the spill files, before the failure goes on.
    const closeJoin = async (err: unknown): Promise<never> => {
      await gen.return(undefined as unknown as CompareStats).catch(() => undefined);
      throw err;
    };
    for (;;) {
      const r = await gen.next();
      if (r.done) {
        stats = r.value;
        break;
      }
      const d = r.value;
      if (d.type !== 'unbalanced_journal') {
        if (settle && taps.young.has(keyText(d.key))) {
          settle.differencesSkipped++;
          continue;
        }
        if (live.confirm) {
          first.push(d);
          continue;
        }
      }
      await writer.write(d).catch(closeJoin);
    }
    progress?.done();
    let confirmed: (ConfirmResult & { inFlightFile?: string }) | undefined;
    if (live.confirm && first.length && !stats.stopped) {
      logger.info(
        { runId, differences: first.length, wait: live.confirm.text },
        'first pass done: waiting for the confirm pass',
      );
      await wait(live.confirm.ms);
      confirmed = await confirmPass({ mapping, plans, adapters, first, memoryMb: opts.memoryMb });
      for (const d of confirmed.confirmed) await writer.write(d);
      if (confirmed.inFlight.length) {
        confirmed.inFlightFile = path.join(outDir, 'in-flight.jsonl');
        await writeJsonLines(confirmed.inFlightFile, confirmed.inFlight);
      }
    } else for (const d of first) await writer.write(d);
    if (settle || confirmed) recount(stats, writer.written(), confirmed?.inFlight ?? []);
    const lines = totals.lines();
    const found = domain?.finish(lines);
    let stopped = Boolean(stats.stopped);
    for (const d of found?.differences ?? []) {
      if (stopped || (max !== undefined && writer.total >= max)) {
        stopped = true;
        break;
      }
      await writer.write(d);
    }
    await writer.finish();
    phase('join', {
      differences: writer.total,
      recordingMs: Math.round(writer.busyMs),
      ...(stats.joined ? { joined: stats.joined } : {}),
    });

    const counts = { ...stats.counts };
    const inDatabase = pushed?.result?.matched ?? 0;
    counts.legacy += inDatabase;
    counts.cloud += inDatabase;
    counts.matched += inDatabase;
    if (mapping.domain === 'postings') counts.unbalancedJournals = writer.counts().unbalanced_journal ?? 0;
    const status = stopped ? 'stopped' : writer.total > 0 ? 'differences' : 'clean';
    const summaryOfTotals = totalsSummary(lines, mapping);
    const finished = new Date();
    const summary: ReconcileSummary = {
      runId,
      name: mapping.name,
      status,
      ...(stopped ? { stopped: { maxDifferences: max! } } : {}),
      counts,
      fieldMismatches: stats.fieldMismatches,
      totals: lines,
      totalsSummary: summaryOfTotals,
      ...(mapping.materiality && !items
        ? { materiality: judgeMateriality(mapping.materiality, summaryOfTotals, { stopped }) }
        : {}),
      ...(mapping.domain ? { domain: mapping.domain } : {}),
      ...(found ? { checks: found.checks } : {}),
      reports: {
        differences: shownPath(writer.file),
        ...(confirmed?.inFlightFile ? { 'in-flight': shownPath(confirmed.inFlightFile) } : {}),
      },
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      ...(opts.window && mapping.window
        ? {
            window: {
              field: mapping.window.field,
              ...(opts.window.since ? { since: opts.window.since.toISOString() } : {}),
              ...(opts.window.until ? { until: opts.window.until.toISOString() } : {}),
            },
          }
        : {}),
      systems: {
        legacy: { ...plans.legacy.description, rows: counts.legacy },
        cloud: { ...plans.cloud.description, rows: counts.cloud },
      },
      spilled: stats.spilled,
      ...(pushed ? { pushdown: pushed.summary } : {}),
      ...(live.confirm
        ? {
            confirm: {
              after: isoDuration(live.confirm.ms),
              rechecked: confirmed?.rechecked ?? 0,
              persistent: confirmed?.persistent ?? 0,
              changed: confirmed?.changed ?? 0,
              inFlight: confirmed?.inFlight.length ?? 0,
            },
          }
        : {}),
      ...(settle
        ? {
            settle: {
              field: settle.field,
              age: settle.text,
              skipped: taps.skipped,
              differencesSkipped: settle.differencesSkipped,
            },
          }
        : {}),
      ...(items
        ? {
            recheck: {
              items: items.length,
              legacy: recheckSide(plans.legacy),
              cloud: recheckSide(plans.cloud),
            },
          }
        : {}),
    };

    // The queue sync stages the stored differences with the queue fields recorded beside them. From
    // 5,000 differences the diagnosis runs on a thread of its own meanwhile, reading the finished
    // file (the main thread kept no copy): whole when the differences fit in memory, else a megabyte
    // at a time on each pass. Fewer are diagnosed here, from the file or, past 32 MB, the store.
    const measures = { moneyFields: moneyFieldsOf(mapping), measureFields: measureFieldsOf(mapping) };
    if (writer.total >= DIAGNOSIS_THREAD_MIN && threadsAllowed(opts))
      diagnosing = diagnoseOnThread({ runId, file: writer.file, whole: writer.readsWhole, ...measures });
    const differences = writer.readsWhole
      ? differencesFromFile(writer.file, () => streamDifferences(store, runId))
      : undefined;
    // A run with many differences (SQLite): the sync commits without copying the store's log into
    // its file (a WAL checkpoint, ~0.3 s at 100k differences); a thread of its own copies it while
    // the causes are found and stored. A sync that fails leaves the store's checkpoints as they were.
    const holds =
      writer.total >= checkpointAsideMin() &&
      threadsAllowed(opts) &&
      (await store.db.holdCheckpoints?.()) === true;
    let copied: Promise<void> | undefined;
    try {
      // A windowed run saw only part of the data: absence there proves nothing, so nothing is
      // resolved. A stopped run leaves the queue alone: it neither resolves what it did not see nor
      // opens items from what is most likely a broken mapping (its differences stay with the run).
      if (stopped) summary.exceptions = { opened: 0, updated: 0, resolved: 0 };
      else {
        const synced = await syncReconcileExceptions(store, {
          mapping,
          runId,
          partial: Boolean(opts.window),
          // What the settle window left out is not resolved by a run that did not look at it.
          ...(taps.young.size ? { keepKeys: [...taps.young] } : {}),
          ...(items ? { onlyIds: items.map((i) => i.id) } : {}),
          // The writer stored every difference with its queue fields (queueFieldsOf above).
          fieldsRecorded: true,
        });
        phase('queue', { opened: synced.opened, resolved: synced.resolved, checkpointAside: holds });
        summary.exceptions = {
          opened: synced.opened,
          updated: synced.updated,
          resolved: synced.resolved,
          reopened: synced.reopened,
          ignored: synced.ignored,
        };
      }
    } finally {
      if (holds) copied = store.db.checkpointAside!();
    }
    // Fewer differences: while the diagnosis thread is still at work, the store copies what the run
    // wrote into its file, which closing the store would otherwise do after the run (~90 ms of the
    // ~150 ms exit of a 1M-row run at 1%; a thread of its own would take longer to start). A
    // checkpoint that fails is left to the close.
    if (!holds && diagnosing && !diagnosing.done) await store.db.checkpoint?.().catch(() => undefined);
    // The thread's diagnosis, or why the one made here replaces it (the log: a slow night's why).
    const threadDiagnosed = await diagnosing?.result.then(
      () => true,
      (err: unknown) => {
        logger.debug({ runId, error: redact(String(err)) }, 'the diagnosis thread failed: diagnosing here');
        return false;
      },
    );
    // The differences explained as causes, stored with the run: suggestions, nothing is changed.
    summary.causes = writer.total
      ? (
          await diagnoseRun(store, runId, {
            ...measures,
            ...(differences ? { differences } : {}),
            ...(diagnosing ? { diagnosed: diagnosing.result } : {}),
          })
        ).causes
      : [];

    await copied;
    // The paths go in first, so every report (the json one is this summary) names all of them.
    for (const f of formats) summary.reports![f] = shownPath(path.join(outDir, REPORT_FILES[f]));
    // The run is recorded before its reports are written: a report that cannot be written (a full
    // disk) does not undo a run whose differences are stored and whose queue is synced.
    phase('diagnosis', { causes: summary.causes.length, diagnosisThread: threadDiagnosed ?? false });
    // The run's time includes its bookkeeping (queue sync, diagnosis): what a scheduler waits for.
    const ended = new Date();
    summary.finishedAt = ended.toISOString();
    summary.durationMs = ended.getTime() - started.getTime();
    await finishRun(store, runId, status, summary);
    recorded = summary;
  } catch (err) {
    progress?.done();
    await Promise.all([legacy.stop(), cloud.stop(), diagnosing?.stop()]).catch(() => undefined);
    await writer.abort().catch(() => undefined);
    await finishRun(store, runId, 'error', {
      runId,
      name: mapping.name,
      error: redact(err instanceof Error ? err.message : String(err)),
    }).catch(() => undefined);
    throw err;
  }
  // Certification: a run whose figures moved beyond materiality supersedes the mapping's standing
  // sign-offs; an immaterial one may prepare itself (cutover.yaml `signoff.autoPrepare`).
  const signoff = await certifyAfterRun(store, recorded, config.signoff);
  if (signoff) {
    recorded.signoff = signoff;
    await setRunSummary(store, runId, recorded);
  }
  const reportsStart = Date.now();
  await writeReports(opts, recorded, outDir, formats);
  logger.debug({ runId, phase: 'reports', ms: Date.now() - reportsStart }, 'reconcile phase done');
  return recorded;
}

/**
 * Writes a recorded run's reports. When one cannot be written, the run keeps its status and names
 * only the reports that exist (in what is returned and in the control store); the failure goes to
 * `onReportsNotWritten`, or is thrown without it.
 */
async function writeReports(
  opts: ReconcileOptions,
  summary: ReconcileSummary,
  outDir: string,
  formats: ReportFormat[],
): Promise<void> {
  const { store, mapping, config } = opts;
  try {
    const written = await writeReconcileReports({
      store,
      summary,
      mapping,
      runId: summary.runId,
      formats,
      outDir,
      xlsxDetailRowCap: config.xlsxDetailRowCap,
    });
    const before = JSON.stringify(summary.reports);
    for (const [f, file] of Object.entries(written)) summary.reports![f] = shownPath(file);
    if (JSON.stringify(summary.reports) !== before) await setRunSummary(store, summary.runId, summary);
  } catch (err) {
    for (const [f, file] of Object.entries(summary.reports ?? {}))
      if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) delete summary.reports![f];
    await setRunSummary(store, summary.runId, summary).catch(() => undefined);
    if (!opts.onReportsNotWritten) throw err;
    opts.onReportsNotWritten(summary, err);
  }
}

/**
 * The difference counts after the confirm pass or the settle window: those of the differences the
 * run recorded (an in-flight mismatch matched in the second pass). The field counts likewise.
 */
function recount(
  stats: CompareStats,
  written: Record<string, number> & { fields: Record<string, number> },
  inFlight: RecordDifference[],
): void {
  const c = stats.counts;
  c.matched += inFlight.filter((d) => d.type === 'mismatch').length;
  c.mismatched = written.mismatch ?? 0;
  c.missingInCloud = written.missing_in_cloud ?? 0;
  c.missingInLegacy = written.missing_in_legacy ?? 0;
  c.duplicateKeys = written.duplicate_key ?? 0;
  stats.fieldMismatches = { ...written.fields };
}

/** Writes a list of differences as JSON lines, complete or not at all (a temporary name, renamed). */
async function writeJsonLines(file: string, rows: unknown[]): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.promises.writeFile(tmp, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  await fs.promises.rename(tmp, file);
}

/** What a recheck's summary says of one side's key-set read. */
function recheckSide(plan: SidePlan): RecheckSide {
  const k = plan.keySet!;
  return {
    pushedDown: k.pushedColumns,
    statements: k.requests.length,
    ...(k.notPushed.length ? { notPushed: k.notPushed } : {}),
  };
}

/** The outcome of reconciling several mappings: the runs that completed, and those that could not run. */
export interface ReconcileBatch {
  runs: ReconcileSummary[];
  /** `differences` when a run failed (per --fail-on) or stopped; `error` when a mapping could not run. */
  status: 'clean' | 'differences' | 'error';
  failures: { name: string; error: CutoverError }[];
  /** Runs recorded (and in `runs`) whose reports could not all be written. */
  reportsNotWritten: { runId: string; error: unknown }[];
}

/**
 * Reconciles mappings one after the other. With several, a mapping that cannot run (bad input, a
 * connection down) is recorded and the others still run, so one broken source does not blind a
 * nightly `--all`; with one, its error is thrown as is.
 */
export async function runReconcileMany(
  mappings: Mapping[],
  opts: Omit<ReconcileOptions, 'mapping'> & { failOn?: FailOn },
): Promise<ReconcileBatch> {
  const runs: ReconcileSummary[] = [];
  const failures: ReconcileBatch['failures'] = [];
  const reportsNotWritten: ReconcileBatch['reportsNotWritten'] = [];
  const onReportsNotWritten = (summary: ReconcileSummary, error: unknown) =>
    reportsNotWritten.push({ runId: summary.runId, error });
  for (const mapping of mappings) {
    try {
      runs.push(await runReconcile({ ...opts, mapping, onReportsNotWritten }));
    } catch (err) {
      if (mappings.length === 1 || !(err instanceof CutoverError)) throw err;
      opts.logger?.debug({ err, mapping: mapping.name }, 'mapping could not run');
      failures.push({ name: mapping.name, error: err });
    }
  }
  const failOn = opts.failOn ?? 'any';
  const status = failures.length ? 'error' : runs.some((r) => fails(r, failOn)) ? 'differences' : 'clean';
  return { runs, status, failures, reportsNotWritten };
}

/** --fail-on: any difference fails a run (exit 1), or only a material one. */
export type FailOn = 'any' | 'material';
export const FAIL_ON = ['any', 'material'] as const;

/**
 * Does a run fail (exit 1)? A stopped run always does; with `material`, a run with differences
 * fails unless its mapping's materiality judged it immaterial (no materiality: every difference is
 * material).
 */
export function fails(run: ReconcileSummary, failOn: FailOn): boolean {
  if (run.status === 'clean') return false;
  if (run.status === 'stopped' || failOn === 'any') return true;
  return run.materiality?.material ?? true;
}

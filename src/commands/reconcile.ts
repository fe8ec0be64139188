import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { COUNT_MAX, integerFlag } from '../cli/integer-flag.js';
import { UsageError } from '../errors.js';
import { loadMappings } from '../config/load-mappings.js';
import { PUSHDOWN_MODES } from '../config/mapping-schema.js';
import { FAIL_ON, runReconcileMany, type FailOn } from '../app/run-reconcile.js';
import { describeReconcile, renderReconcileDryRun } from '../app/describe-reconcile.js';
import { REPORT_FORMATS, type ReportFormat } from '../reports/formats.js';
import { redact } from '../util/redact.js';
import { parseWindow } from '../reconcilers/window.js';
import { createProgress } from '../reconcilers/progress.js';
import { renderReconcileSummaries } from '../reconcilers/render-summary.js';
import { MAX_MEMORY_MB, MIN_MEMORY_MB } from '../reconcilers/compare.js';
import { openReconcileItems } from '../exceptions/sync.js';

export default class Reconcile extends BaseCommand<typeof Reconcile> {
  static override summary = 'Compare the legacy and cloud systems, mapping by mapping (the dual run).';
  static override description = `Reads both sides of each named mapping at once, compares them row by row and as control totals, stores the run and its differences, and writes reports/<run>/differences.jsonl and the reports asked for.
Name one or more mappings (one named twice runs once), or give --all. Exit code 0: clean; 1: differences found (with --fail-on material: material ones), or the run stopped at --max-differences; 2: bad input or a connection failed.
--confirm-after DURATION (a live dual run) waits after the first pass, reads the differing keys again on both sides and keeps only the differences seen again (persistent, or changed: with the new values); the in-flight ones are counted and listed apart (reports/<run>/in-flight.jsonl). --settle AGE leaves out keys whose row changed within AGE on either side, by each database's clock.
--recheck reads again, on both sides, only the keys of the mapping's open exception items (a key-set read), resolves those now equal and updates the rest; it is recorded as a run of its own kind (recheck).
--dry-run prints, per side, the exact SQL each adapter would send (window or key set included) and connects to no source (exit 0; with --recheck it reads the open items from the control store).
With --json, one mapping prints its summary object ({ "name", "status": "error", "exitCode": 2, "error" } when it could not run); several print { "runs": [summaries], "status" } (and "errors" for mappings that could not run: the others still run, and the exit code is 2).`;
  static override examples = [
    '<%= config.bin %> reconcile inventory',
    '<%= config.bin %> reconcile --all --since 2d --report xlsx,json',
    '<%= config.bin %> reconcile refunds --since 2026-11-20 --until 2026-11-21 --json',
    '<%= config.bin %> reconcile postings --fail-on material --max-differences 100000',
    '<%= config.bin %> reconcile inventory --since 2d --dry-run',
    '<%= config.bin %> reconcile refunds --recheck',
    '<%= config.bin %> reconcile inventory --confirm-after 5m --settle 15m',
  ];
  static override args = {
    name: Args.string({ description: 'mapping name(s), as in mappings/<name>.yaml', multiple: true }),
  };
  static override flags = {
    all: Flags.boolean({ description: 'reconcile every mapping in the mappings folder' }),
    since: Flags.string({
      description:
        "rows from this time on the mapping's window field: 2026-11-20, 2026-11-20T06:00Z, 36h, 2d",
    }),
    until: Flags.string({ description: 'rows before this time (same forms as --since)' }),
    report: Flags.string({
      description:
        'report formats, comma-separated (default: report.formats in cutover.yaml, else xlsx,json)',
      multiple: true,
      multipleNonGreedy: true,
      delimiter: ',',
      options: [...REPORT_FORMATS],
    }),
    memory: integerFlag({
      description: `memory budget of the compare, MB: peak RSS stays within it plus the process's fixed cost, ~200 MB (docs/benchmarks.md)`,
      default: 512,
      min: MIN_MEMORY_MB,
      max: MAX_MEMORY_MB,
    }),
    'fail-on': Flags.string({
      description:
        "exit 1 on any difference, or only when a run is material (outside its mapping's materiality; docs/signoff.md)",
      options: [...FAIL_ON],
      default: 'any',
    }),
    'max-differences': integerFlag({
      description:
        'stop a run once it has recorded N differences: status stopped, exit 1, the exception queue left alone',
      min: 1,
      max: COUNT_MAX,
    }),
    'dry-run': Flags.boolean({
      description:
        "print each side's SQL (window and key set included) without connecting to a source, and exit 0",
    }),
    'confirm-after': Flags.string({
      description:
        'a live dual run: after the first pass wait this long (90s, 5m), read the differing keys again on both sides, and keep only the differences still there (persistent or changed); in-flight ones are listed apart',
    }),
    settle: Flags.string({
      description:
        "leave out keys whose row changed within this age (15m) on either side, by each database's own clock (the mapping's settle.field, else its window field)",
    }),
    pushdown: Flags.option({
      options: PUSHDOWN_MODES,
      description:
        "checksum pushdown: each database sums row hashes by key bucket and only the differing buckets' rows are read (auto: where the mapping allows it and no side is SQLite, else streamed with the reason in the summary; on: refuse a mapping that does not allow it; off: read every row). Default: the mapping's pushdown:, else auto",
    })(),
    recheck: Flags.boolean({
      description:
        "read again only the keys of the mapping's open exception items: resolve those now equal, update the rest, touch nothing else",
      exclusive: ['since', 'until', 'confirm-after', 'settle'],
    }),
  };

  async run() {
    const names = this.args.name ?? [];
    if (names.length && this.flags.all)
      throw new UsageError(
        'Give mapping names or --all, not both.',
        'For example: cutover reconcile inventory refunds.',
      );
    if (!names.length && !this.flags.all)
      throw new UsageError(
        'Name the mapping(s) to reconcile, or give --all.',
        'For example: cutover reconcile inventory, or cutover reconcile --all (`cutover config check` lists the mappings).',
      );
    const window = parseWindow(this.flags.since, this.flags.until);
    const config = await this.cutoverConfig();
    const formats = [...new Set((this.flags.report as ReportFormat[] | undefined) ?? config.reportFormats)];
    const mappings = await loadMappings(config, this.flags.all ? undefined : names, (m) =>
      process.stderr.write(`Warning: mapping ${m.name} is named more than once: it is reconciled once.\n`),
    );
    if (!mappings.length)
      throw new UsageError(
        `There are no mappings in ${config.mappingsDir}.`,
        'Add a mapping file there first.',
      );
    if (this.flags['dry-run']) {
      const { createConnection } = await import('../app/open-connection.js');
      const store = this.flags.recheck ? await this.controlStore() : undefined;
      const runs = await describeReconcile(mappings, {
        config,
        window,
        createAdapter: async (name) => createConnection(config, name, this.logger),
        ...(store
          ? { recheckKeys: async (m) => (await openReconcileItems(store, m)).map((i) => i.key) }
          : {}),
      });
      return this.emit(mappings.length === 1 ? runs[0] : { runs, status: 'dry-run' }, () =>
        renderReconcileDryRun(runs),
      );
    }
    const store = await this.controlStore();
    const progress = createProgress({ enabled: !this.flags.json && Boolean(process.stderr.isTTY) });
    const batch = await runReconcileMany(mappings, {
      config,
      store,
      window,
      formats,
      memoryMb: this.flags.memory,
      readerThreads: true,
      maxDifferences: this.flags['max-differences'],
      recheck: this.flags.recheck,
      confirmAfter: this.flags['confirm-after'],
      settleAge: this.flags.settle,
      pushdown: this.flags.pushdown,
      failOn: this.flags['fail-on'] as FailOn,
      progress,
      openAdapter: (name) => this.connection(name),
      logger: this.logger,
    });
    const { runs, status, failures } = batch;
    this.exitStatus = status === 'error' ? 2 : status === 'differences' ? 1 : 0;
    for (const r of batch.reportsNotWritten) this.warnReportNotWritten(`Reconcile ${r.runId}`, r.error);
    const errors = failures.map((f) => ({ name: f.name, error: redact(f.error.paragraph()) }));
    for (const e of errors) process.stderr.write(`Error: mapping ${e.name} did not run: ${e.error}\n`);
    for (const r of runs)
      if (r.stopped)
        process.stderr.write(
          `Warning: run ${r.runId} (${r.name}) stopped at --max-differences ${r.stopped.maxDifferences}: its counts cover only what was compared.\n`,
        );
    // One mapping that could not run still prints one object under --json: what a scheduler parses.
    const one = runs[0] ?? { name: errors[0]?.name, status: 'error', exitCode: 2, error: errors[0]?.error };
    const out = this.emit(
      mappings.length === 1 ? one : { runs, status, ...(errors.length ? { errors } : {}) },
      () => renderReconcileSummaries(runs),
    );
    return out;
  }
}

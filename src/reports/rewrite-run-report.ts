import path from 'node:path';
import type { LoadedConfig } from '../config/load-config.js';
import type { Mapping } from '../config/mapping-schema.js';
import { loadMappings } from '../config/load-mappings.js';
import type { ControlStore } from '../store/control-store.js';
import { getRun } from '../store/runs.js';
import { finishedSummary } from '../store/finished-summary.js';
import { UsageError } from '../errors.js';
import { isStdout, writeToStream } from './to-stream.js';
import { REPORT_FILES, writeRunReport, type ReportFormat } from './write-reconcile-reports.js';

/** What `cutover report` wrote. */
export interface RewriteResult {
  runId: string;
  format: ReportFormat;
  path: string;
  /** Other files written alongside (the complete-detail CSV of a capped workbook). */
  also: Record<string, string>;
  warnings: string[];
}

/**
 * Writes a stored reconcile run's report again, from the control store. The mapping is loaded by the
 * run's name for field types, scales and labels; without it the report infers them from the values.
 */
export async function rewriteRunReport(opts: {
  config: LoadedConfig;
  store: ControlStore;
  runId: string;
  format: ReportFormat;
  /** A file, or `-` for `stdout`. */
  out?: string;
  /** Where `--out -` goes (the command hands its stdout). */
  stdout?: NodeJS.WritableStream;
}): Promise<RewriteResult> {
  if (isStdout(opts.out) && opts.format === 'xlsx')
    throw new UsageError(
      '--out - prints the report on stdout, which takes md, json or csv; a workbook needs a file.',
      'Add --format md (or json, csv), or give --out a file name such as run.xlsx.',
    );
  // An unknown id lists only recent reconcile runs: replay and rollback runs have no report here.
  const run = await getRun(opts.store, opts.runId).catch(() => getRun(opts.store, opts.runId, 'reconcile'));
  const summary = finishedSummary(run, 'report on');
  const warnings: string[] = [];
  let mapping: Mapping | undefined;
  const name = run.name ?? summary.name;
  try {
    mapping = (await loadMappings(opts.config, [name]))[0];
  } catch (err) {
    warnings.push(`mapping "${name}" could not be loaded (${(err as Error).message}); scales and types are inferred from the values`);
  }
  const dir = path.join(opts.config.reportsDir, run.id);
  const report = (file: string, csvFile: string) =>
    writeRunReport({
      store: opts.store,
      summary,
      mapping,
      runId: run.id,
      xlsxDetailRowCap: opts.config.xlsxDetailRowCap,
      format: opts.format,
      file,
      csvFile,
      runDir: dir,
    });
  if (isStdout(opts.out)) {
    if (!opts.stdout) throw new Error('rewriteRunReport: --out - needs the stream to write to');
    await writeToStream(opts.stdout, REPORT_FILES[opts.format], (file) =>
      report(file, path.join(path.dirname(file), REPORT_FILES.csv)),
    );
    return { runId: run.id, format: opts.format, path: '-', also: {}, warnings };
  }
  const file = path.resolve(opts.out ?? path.join(dir, REPORT_FILES[opts.format]));
  const csvFile = opts.out ? file.replace(/\.xlsx$/i, '') + '.differences.csv' : path.join(dir, REPORT_FILES.csv);
  const written = await report(file, csvFile);
  const { [opts.format]: _main, ...also } = written;
  return { runId: run.id, format: opts.format, path: file, also, warnings };
}

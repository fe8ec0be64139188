import fs from 'node:fs';
import path from 'node:path';
import { totalsSummary } from './control-totals.js';
import type { Mapping } from '../config/mapping-schema.js';
import type { ControlStore } from '../store/control-store.js';
import type { ReconcileSummary } from '../reconcilers/types.js';
import { UsageError } from '../errors.js';
import { REPORT_FILES, REPORT_FORMATS, type ReportFormat } from './formats.js';
import { countDifferences, type DifferenceCounts } from '../store/differences.js';
import { writeDifferencesCsv } from './differences-csv.js';
import { writeJsonReport } from './json-report.js';
import { writeMarkdownReport } from './markdown.js';

export { REPORT_FORMATS, REPORT_FILES, type ReportFormat } from './formats.js';

/** Checks a list of format names (the benchmark's --formats), naming the bad one. */
export function parseReportFormats(list: string[]): ReportFormat[] {
  const out: ReportFormat[] = [];
  for (const raw of list.flatMap((s) => s.split(',')).map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    if (!(REPORT_FORMATS as readonly string[]).includes(raw))
      throw new UsageError(`"${raw}" is not a report format.`, `Use one or more of: ${REPORT_FORMATS.join(', ')}.`);
    if (!out.includes(raw as ReportFormat)) out.push(raw as ReportFormat);
  }
  return out;
}

/** Arguments of writeReconcileReports and writeRunReport. */
export interface ReconcileReportArgs {
  store: ControlStore;
  summary: ReconcileSummary;
  mapping?: Mapping;
  runId: string;
  xlsxDetailRowCap?: number;
}

/**
 * Writes a reconcile run's reports into `outDir` (reports/<runId>) and returns format → path. When
 * the workbook must cap its detail rows, differences.csv is written too (even if not asked for)
 * so the complete detail always exists beside it.
 */
export async function writeReconcileReports(
  args: ReconcileReportArgs & { formats: ReportFormat[]; outDir: string },
): Promise<Record<string, string>> {
  const written: Record<string, string> = {};
  // Counted once for all formats: without an index on type this is a scan of the run's rows.
  const counts = await countDifferences(args.store, args.runId);
  const order: ReportFormat[] = ['csv', 'json', 'md', 'xlsx'].filter((f) => args.formats.includes(f as ReportFormat)) as ReportFormat[];
  for (const format of order) {
    const file = path.join(args.outDir, REPORT_FILES[format]);
    Object.assign(
      written,
      await writeRunReport({ ...args, format, file, csvFile: path.join(args.outDir, REPORT_FILES.csv), csvWritten: 'csv' in written, counts, runDir: args.outDir }),
    );
  }
  return written;
}

/**
 * Writes one report of a run to `file`. For xlsx, when the run has more differences than the cap,
 * writes the complete detail to `csvFile` (unless `csvWritten`) and names it, with any
 * differences.jsonl beside it, on the Summary. Returns format → path for what it wrote.
 */
export async function writeRunReport(
  args: ReconcileReportArgs & {
    format: ReportFormat;
    file: string;
    csvFile: string;
    csvWritten?: boolean;
    counts?: DifferenceCounts;
    /** The run's report folder (reports/<run>), where its other reports are. */
    runDir?: string;
  },
): Promise<Record<string, string>> {
  const { store, mapping, runId, file } = args;
  // A summary stored by an older or interrupted run may lack these; report what there is.
  const totals = args.summary.totals ?? [];
  const summary = {
    ...args.summary,
    totals,
    fieldMismatches: args.summary.fieldMismatches ?? {},
    totalsSummary: args.summary.totalsSummary ?? totalsSummary(totals, args.mapping),
  };
  switch (args.format) {
    case 'csv':
      await writeDifferencesCsv({ store, runId, mapping, file, counts: args.counts });
      return { csv: file };
    case 'json':
      await writeJsonReport({ summary, file });
      return { json: file };
    case 'md':
      await writeMarkdownReport({ store, summary, mapping, runId, file, runDir: args.runDir });
      return { md: file };
    case 'xlsx': {
      // exceljs is loaded only when a workbook is written (a JSON or Markdown report never needs it).
      const { writeReconcileWorkbook, DEFAULT_XLSX_DETAIL_ROW_CAP } = await import('./reconcile-workbook.js');
      const written: Record<string, string> = {};
      const cap = args.xlsxDetailRowCap ?? DEFAULT_XLSX_DETAIL_ROW_CAP;
      const counts = args.counts ?? (await countDifferences(store, runId));
      const total = Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
      const completeDetail: string[] = [];
      if (total > cap) {
        if (!args.csvWritten) {
          await writeDifferencesCsv({ store, runId, mapping, file: args.csvFile, counts });
          written.csv = args.csvFile;
        }
        // Named beside the workbook, not by a path on the machine that wrote it.
        const beside = (p: string) => path.relative(path.dirname(path.resolve(file)), path.resolve(p)) || path.basename(p);
        completeDetail.push(beside(args.csvFile));
        const jsonl = path.join(path.dirname(args.csvFile), 'differences.jsonl');
        if (fs.existsSync(jsonl)) completeDetail.push(beside(jsonl));
      }
      await writeReconcileWorkbook({ store, summary, mapping, runId, file, detailRowCap: cap, completeDetail, counts });
      written.xlsx = file;
      return written;
    }
  }
}

import fs from 'node:fs';
import { writeAtomically } from '../reports/atomic-file.js';
import { isStdout, writeToStream } from '../reports/to-stream.js';
import { UsageError } from '../errors.js';
import type { ControlStore } from '../store/control-store.js';
import type { Difference } from '../reconcilers/types.js';
import { listExceptions } from './queue.js';
import { keyText } from './render.js';
import type { ExceptionFilter, ExceptionRecord } from './types.js';
import { csvCell } from '../reports/csv-escape.js';

export { csvCell };

const PAGE = 5000;

const columns = [
  ['id', 'ID', 12],
  ['kind', 'Kind', 18],
  ['mapping', 'Mapping', 16],
  ['key', 'Key', 30],
  ['status', 'Status', 10],
  ['severity', 'Severity', 9],
  ['variance', 'Variance', 12],
  ['fields', 'Differing fields (legacy → cloud)', 40],
  ['legacy', 'Legacy values', 40],
  ['cloud', 'Cloud values', 40],
  ['firstSeen', 'First seen', 22],
  ['lastSeen', 'Last seen', 22],
  ['occurrences', 'Occurrences', 11],
  ['attempts', 'Attempts', 9],
  ['assignee', 'Assignee', 14],
  ['lastError', 'Last error', 40],
  ['lastRunId', 'Last run', 28],
  ['resolvedByRun', 'Resolved by run', 28],
] as const;

type Row = Record<(typeof columns)[number][0], string | number>;

function toRow(r: ExceptionRecord): Row {
  const d = (r.details ?? {}) as Partial<Difference>;
  return {
    id: r.id,
    kind: r.kind,
    mapping: r.mapping,
    key: keyText(r.key),
    status: r.status,
    severity: r.severity,
    variance: r.variance ?? '',
    fields: Object.entries(d.fields ?? {})
      .map(([f, v]) => `${f}: ${v.legacy ?? '(null)'} → ${v.cloud ?? '(null)'}`)
      .join('; '),
    legacy: d.legacy ? JSON.stringify(d.legacy) : '',
    cloud: d.cloud ? JSON.stringify(d.cloud) : '',
    firstSeen: r.firstSeen,
    lastSeen: r.lastSeen,
    occurrences: r.occurrences,
    attempts: r.attempts,
    assignee: r.assignee ?? '',
    lastError: r.lastError ?? '',
    lastRunId: r.lastRunId ?? '',
    resolvedByRun: r.resolvedByRun ?? '',
  };
}

/** Columns whose values are numbers: a plain decimal there (`-7.000`) stays a number in the CSV. */
const NUMERIC = new Set<string>(['variance', 'occurrences', 'attempts']);

async function* pages(store: ControlStore, filter: ExceptionFilter): AsyncGenerator<ExceptionRecord[]> {
  const limit = filter.limit;
  let seen = 0;
  let afterId: number | undefined;
  for (;;) {
    const take = limit === undefined ? PAGE : Math.min(PAGE, limit - seen);
    if (take <= 0) return;
    const { items } = await listExceptions(store, { ...filter, sort: 'id', afterId, limit: take });
    if (!items.length) return;
    yield items;
    seen += items.length;
    afterId = Number(items[items.length - 1]!.id.slice(2));
    if (items.length < take) return;
  }
}

/** Writes the matching items to a CSV or Excel file (paged, so a large queue does not sit in memory twice). */
export async function exportExceptions(
  store: ControlStore,
  opts: {
    format: 'csv' | 'xlsx';
    /** A file, or `-` for `stdout` (CSV only). */
    out: string;
    filter: ExceptionFilter;
    stdout?: NodeJS.WritableStream;
  },
): Promise<{ format: 'csv' | 'xlsx'; out: string; rows: number }> {
  if (isStdout(opts.out)) {
    if (opts.format !== 'csv')
      throw new UsageError(
        '--out - prints the export on stdout, which takes CSV; an Excel workbook needs a file.',
        'Use --format csv with --out -, or give --out a file name such as breaks.xlsx.',
      );
    if (!opts.stdout) throw new Error('exportExceptions: --out - needs the stream to write to');
    const rows = await writeToStream(opts.stdout, 'exceptions.csv', (file) =>
      writeCsv(store, opts.filter, file),
    );
    return { format: 'csv', out: '-', rows };
  }
  // Written beside the target and renamed into place: an interrupted export leaves no half file.
  const rows = await writeAtomically(
    opts.out,
    (tmp) => (opts.format === 'csv' ? writeCsv(store, opts.filter, tmp) : writeXlsx(store, opts.filter, tmp)),
    `exceptions.${opts.format}`,
  );
  return { format: opts.format, out: opts.out, rows };
}

async function writeCsv(store: ControlStore, filter: ExceptionFilter, file: string): Promise<number> {
  let rows = 0;
  const stream = fs.createWriteStream(file);
  const failed = new Promise<never>((_, reject) => stream.on('error', reject));
  failed.catch(() => undefined);
  const write = (line: string) =>
    Promise.race([
      failed,
      new Promise<void>((resolve, reject) => stream.write(line, (err) => (err ? reject(err) : resolve()))),
    ]);
  try {
    await write(columns.map((c) => csvCell(c[1])).join(',') + '\r\n');
    for await (const page of pages(store, filter)) {
      await write(
        page
          .map((r) => {
            const row = toRow(r);
            return columns.map((c) => csvCell(row[c[0]], NUMERIC.has(c[0]))).join(',');
          })
          .join('\r\n') + '\r\n',
      );
      rows += page.length;
    }
    await Promise.race([
      failed,
      new Promise<void>((resolve, reject) =>
        stream.end((err?: Error | null) => (err ? reject(err) : resolve())),
      ),
    ]);
  } finally {
    stream.destroy();
  }
  return rows;
}

async function writeXlsx(store: ControlStore, filter: ExceptionFilter, file: string): Promise<number> {
  let rows = 0;
  const { default: ExcelJS } = await import('exceljs'); // only when a workbook is written
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useStyles: true });
  const ws = wb.addWorksheet('Exceptions', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = columns.map(([key, header, width]) => ({
    key,
    header,
    width,
    // ERP values stay text: a SKU like 00123 or 1E5 must not become a number.
    style: key === 'occurrences' || key === 'attempts' ? {} : { numFmt: '@' },
  }));
  ws.getRow(1).font = { bold: true };
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
  ws.getRow(1).commit();
  for await (const page of pages(store, filter)) {
    for (const r of page) ws.addRow(toRow(r)).commit();
    rows += page.length;
  }
  ws.commit();
  await wb.commit();
  return rows;
}

import { writeAtomically } from '../reports/atomic-file.js';
import { OutputFile } from '../reports/output-file.js';
import { isStdout, writeToStream } from '../reports/to-stream.js';
import { UsageError } from '../errors.js';
import type { ControlStore } from '../store/control-store.js';
import { rowOf } from '../reconcilers/types.js';
import { isOverdue, listExceptions } from './queue.js';
import { agingBucket, agingBuckets } from './aging.js';
import { differenceOf } from './records.js';
import { keyText } from './render.js';
import type { ExceptionFilter, ExceptionRecord } from './types.js';
import { csvCell } from '../reports/csv-escape.js';
import { numberFormat, significantDigits } from '../reports/number-format.js';

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
  ['firstSeen', 'First seen (UTC)', 20],
  ['lastSeen', 'Last seen (UTC)', 20],
  ['occurrences', 'Occurrences', 11],
  ['attempts', 'Attempts', 9],
  ['assignee', 'Assignee', 14],
  ['lastError', 'Last error', 40],
  ['lastRunId', 'Last run', 28],
  ['resolvedByRun', 'Resolved by run', 28],
] as const;

type Row = Record<(typeof columns)[number][0], string | number>;

/**
 * The record values beside the fixed columns: one column per field and side ("on_hand (legacy)",
 * "on_hand (cloud)"), in the order the fields first appear among the exported items. Key fields are
 * already in Key.
 */
interface ValueColumn {
  field: string;
  side: 'legacy' | 'cloud';
}

function recordRows(r: ExceptionRecord): {
  legacy?: Record<string, unknown>;
  cloud?: Record<string, unknown>;
} {
  const d = differenceOf(r);
  return { legacy: (d && rowOf(d, 'legacy')) ?? undefined, cloud: (d && rowOf(d, 'cloud')) ?? undefined };
}

function valueColumnsOf(r: ExceptionRecord, seen: Set<string>, out: ValueColumn[]): void {
  const keyFields = new Set(typeof r.key === 'object' && r.key ? Object.keys(r.key) : []);
  const rows = recordRows(r);
  for (const side of ['legacy', 'cloud'] as const)
    for (const field of Object.keys(rows[side] ?? {})) {
      if (keyFields.has(field) || seen.has(field)) continue;
      seen.add(field);
      out.push({ field, side: 'legacy' }, { field, side: 'cloud' });
    }
}

function valueOf(r: ExceptionRecord, c: ValueColumn): unknown {
  return recordRows(r)[c.side]?.[c.field];
}

/** A canonical decimal that is a quantity or an amount, not a code: no leading zero ('00123' stays text). */
const NUMBER_TEXT = /^-?(0|[1-9]\d*)(\.\d+)?$/;
const TIMESTAMP_TEXT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const DATE_TEXT = /^\d{4}-\d{2}-\d{2}$/;

/** A cell for Excel: numbers as numbers (at most 15 significant digits, else exact text), times as dates. */
function typedCell(v: unknown): { value: string | number | Date | null; numFmt: string } {
  if (v === null || v === undefined || v === '') return { value: null, numFmt: '@' };
  const text = String(v);
  if (NUMBER_TEXT.test(text) && significantDigits(text) <= 15) {
    const dot = text.indexOf('.');
    return { value: Number(text), numFmt: numberFormat(dot < 0 ? 0 : text.length - dot - 1) };
  }
  if (TIMESTAMP_TEXT.test(text)) return { value: new Date(text), numFmt: 'yyyy-mm-dd hh:mm:ss' };
  if (DATE_TEXT.test(text)) return { value: new Date(`${text}T00:00:00Z`), numFmt: 'yyyy-mm-dd' };
  return { value: text, numFmt: '@' };
}

/** The control store's timestamp text ('2026-11-26T02:00:00.000Z') as a date, else the text. */
function seenCell(text: string): { value: string | Date; numFmt: string } {
  return TIMESTAMP_TEXT.test(text)
    ? { value: new Date(text), numFmt: 'yyyy-mm-dd hh:mm:ss' }
    : { value: text, numFmt: '@' };
}

function toRow(r: ExceptionRecord): Row {
  const d = differenceOf(r);
  return {
    id: r.id,
    kind: r.kind,
    mapping: r.mapping,
    key: keyText(r.key),
    status: r.status,
    severity: r.severity,
    variance: r.variance ?? '',
    fields:
      d?.type === 'mismatch'
        ? Object.entries(d.fields)
            .map(([f, v]) => `${f}: ${v.legacy ?? '(null)'} → ${v.cloud ?? '(null)'}`)
            .join('; ')
        : '',
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

/**
 * The Aging sheet: the open and assigned items among those exported, by how long ago they were first
 * seen (0–1 d, 1–3 d, 3–7 d, > 7 d), per severity and per assignee; with `exceptions.sla`, how many
 * are past it.
 */
class AgingTally {
  private readonly bySeverity = new Map<string, number[]>();
  private readonly byAssignee = new Map<string, number[]>();
  private readonly overdue = new Map<string, number>();

  constructor(
    private readonly now: Date,
    private readonly sla: ExceptionFilter['sla'],
  ) {}

  add(r: ExceptionRecord): void {
    if (r.status !== 'open' && r.status !== 'assigned') return;
    const b = agingBuckets.indexOf(agingBucket(r.firstSeen, this.now));
    for (const [map, name] of [
      [this.bySeverity, r.severity],
      [this.byAssignee, r.assignee ?? '(unassigned)'],
    ] as const) {
      const row = map.get(name) ?? [0, 0, 0, 0];
      row[b]!++;
      map.set(name, row);
    }
    if (this.sla && isOverdue(r, this.sla, this.now))
      this.overdue.set(r.severity, (this.overdue.get(r.severity) ?? 0) + 1);
  }

  write(ws: import('exceljs').Worksheet): void {
    const header = (first: string) => {
      const row = ws.addRow([first, ...agingBuckets, 'Total', ...(this.sla ? ['Past SLA'] : [])]);
      row.font = { bold: true };
      row.commit();
    };
    ws.addRow([
      `Open and assigned items by age, at ${this.now.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    ]).commit();
    ws.addRow([]).commit();
    header('Severity');
    for (const sev of ['high', 'medium', 'low']) {
      const c = this.bySeverity.get(sev) ?? [0, 0, 0, 0];
      ws.addRow([
        sev,
        ...c,
        c.reduce((a, b) => a + b, 0),
        ...(this.sla ? [this.overdue.get(sev) ?? 0] : []),
      ]).commit();
    }
    ws.addRow([]).commit();
    const byAssignee = new Map([...this.byAssignee].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const assigneeHeader = ws.addRow(['Assignee', ...agingBuckets, 'Total']);
    assigneeHeader.font = { bold: true };
    assigneeHeader.commit();
    for (const [who, c] of byAssignee) ws.addRow([who, ...c, c.reduce((a, b) => a + b, 0)]).commit();
    ws.commit();
  }
}

/** The value columns of every item the filter matches (a first, cheap pass over the same pages). */
async function valueColumns(store: ControlStore, filter: ExceptionFilter): Promise<ValueColumn[]> {
  const seen = new Set<string>();
  const out: ValueColumn[] = [];
  for await (const page of pages(store, filter)) for (const r of page) valueColumnsOf(r, seen, out);
  return out;
}

const valueHeader = (c: ValueColumn) => `${c.field} (${c.side})`;

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
  const out = new OutputFile(file);
  try {
    const values = await valueColumns(store, filter);
    await out.write(
      [...columns.map((c) => csvCell(c[1])), ...values.map((c) => csvCell(valueHeader(c)))].join(',') +
        '\r\n',
    );
    for await (const page of pages(store, filter)) {
      await out.write(
        page
          .map((r) => {
            const row = toRow(r);
            return [
              ...columns.map((c) => csvCell(row[c[0]], NUMERIC.has(c[0]))),
              ...values.map((c) => {
                const v = valueOf(r, c);
                return csvCell(v === null || v === undefined ? '' : String(v), true);
              }),
            ].join(',');
          })
          .join('\r\n') + '\r\n',
      );
      rows += page.length;
    }
    await out.end();
  } finally {
    out.stream.destroy();
  }
  return rows;
}

async function writeXlsx(store: ControlStore, filter: ExceptionFilter, file: string): Promise<number> {
  let rows = 0;
  const { default: ExcelJS } = await import('exceljs'); // only when a workbook is written
  const out = new OutputFile(file);
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out.stream, useStyles: true });
  const ws = wb.addWorksheet('Exceptions', { views: [{ state: 'frozen', ySplit: 1 }] });
  const values = await valueColumns(store, filter);
  ws.columns = [
    ...columns.map(([key, header, width]) => ({
      key,
      header,
      width,
      // ERP codes stay text: a SKU like 00123 or 1E5 must not become a number.
      style: { numFmt: '@' },
    })),
    ...values.map((c) => ({ header: valueHeader(c), width: Math.max(14, valueHeader(c).length + 2) })),
  ];
  ws.getRow(1).font = { bold: true };
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length + values.length } };
  ws.getRow(1).commit();
  const at = (key: (typeof columns)[number][0]) => columns.findIndex((c) => c[0] === key) + 1;
  const aging = new AgingTally(filter.now ?? new Date(), filter.sla);
  for await (const page of pages(store, filter)) {
    for (const r of page) {
      out.check();
      aging.add(r);
      const row = ws.addRow(toRow(r));
      // Numbers as numbers and dates as dates, so finance can sum, sort and filter them.
      for (const key of ['variance', 'occurrences', 'attempts'] as const) {
        const cell = row.getCell(at(key));
        const typed = typedCell(cell.value);
        cell.value = typed.value;
        cell.numFmt = typed.numFmt;
      }
      for (const key of ['firstSeen', 'lastSeen'] as const) {
        const cell = row.getCell(at(key));
        const typed = seenCell(String(cell.value ?? ''));
        cell.value = typed.value;
        cell.numFmt = typed.numFmt;
      }
      values.forEach((c, n) => {
        const cell = row.getCell(columns.length + n + 1);
        const typed = typedCell(valueOf(r, c));
        cell.value = typed.value;
        cell.numFmt = typed.numFmt;
      });
      row.commit();
    }
    rows += page.length;
  }
  ws.commit();
  aging.write(wb.addWorksheet('Aging'));
  await out.commit(wb);
  return rows;
}

import fs from 'node:fs/promises';
import path from 'node:path';
import type { ReplayResult } from './replay-types.js';
import { writeAtomically } from '../reports/atomic-file.js';
import { scaleOf } from '../util/exact-decimal.js';
import { writeTableWorkbook, type SummaryItem, type TableRow } from '../reports/simple-workbook.js';

/**
 * Writes reports/<run>/replay.json, replay.md and replay.xlsx: what was applied, failed and parked,
 * per event type, with the amounts and quantities applied (each file written to a temp name, then renamed).
 */
export async function writeReplayReport(
  reportsDir: string,
  result: ReplayResult,
): Promise<{ json: string; md: string; xlsx: string }> {
  const dir = path.join(reportsDir, result.runId!);
  await fs.mkdir(dir, { recursive: true });
  const json = path.join(dir, 'replay.json');
  const md = path.join(dir, 'replay.md');
  const xlsx = path.join(dir, 'replay.xlsx');
  await writeAtomically(json, (tmp) => fs.writeFile(tmp, JSON.stringify(result, null, 2) + '\n'));
  await writeAtomically(md, (tmp) => fs.writeFile(tmp, replayMarkdown(result)));
  await writeReplayWorkbook(xlsx, result);
  return { json, md, xlsx };
}

/** The replay workbook, in the reconciliation workbook's style (src/reports/simple-workbook.ts). */
async function writeReplayWorkbook(file: string, r: ReplayResult): Promise<void> {
  const c = r.counts;
  const summary: SummaryItem[] = [
    { label: 'Status', value: `${r.status}${r.resumed ? ' (resumed)' : ''}` },
    {
      label: 'Source',
      value: r.source.kind === 'file' ? r.source.path : `${r.source.connection}:${r.source.table}`,
    },
    { label: 'Events mapping', value: r.mappingFile },
    { label: 'Target(s)', value: r.targets.join(', ') },
    { label: 'Events read', value: c.read, kind: 'number' },
    { label: 'Applied', value: c.applied, kind: 'number' },
    { label: 'Already applied (skipped)', value: c.alreadyApplied, kind: 'number' },
    { label: 'Failed', value: c.failed, kind: 'number' },
    { label: 'Parked behind a failure', value: c.parked, kind: 'number' },
    { label: 'Exceptions opened', value: r.exceptions.opened, kind: 'number' },
    { label: 'Duration (s)', value: (r.elapsedMs / 1000).toFixed(1), kind: 'number', scale: 1 },
  ];
  const sums: TableRow[] = [];
  for (const [type, s] of Object.entries(r.byType).sort())
    for (const [field, total] of Object.entries(s.sums))
      if (total !== 'n/a') sums.push({ type, field, total: total, scale: scaleOf(total) });
  const maxScale = Math.max(0, ...sums.map((x) => Number(x.scale)));
  await writeTableWorkbook({
    file,
    title: `Replay ${r.runId}`,
    status: {
      pass: r.status === 'complete',
      text: `${c.applied} applied, ${c.alreadyApplied} already applied, ${c.failed} failed, ${c.parked} parked`,
    },
    summary,
    sheets: [
      {
        name: 'By event type',
        columns: [
          { key: 'type', header: 'Event type' },
          { key: 'read', header: 'Read', kind: 'number' },
          { key: 'applied', header: 'Applied', kind: 'number' },
          { key: 'alreadyApplied', header: 'Already applied', kind: 'number' },
          { key: 'failed', header: 'Failed', kind: 'number' },
          { key: 'parked', header: 'Parked', kind: 'number' },
        ],
        rows: Object.entries(r.byType)
          .sort()
          .map(([type, s]) => ({ type, ...pick(s) })),
        highlight: (row) => Number(row.failed) > 0 || Number(row.parked) > 0,
      },
      {
        name: 'Amounts applied',
        columns: [
          { key: 'type', header: 'Event type' },
          { key: 'field', header: 'Value' },
          { key: 'total', header: 'Total applied', kind: 'number', scale: maxScale },
        ],
        rows: sums,
      },
      {
        name: 'Failed and parked',
        columns: [
          { key: 'eventId', header: 'Event' },
          { key: 'key', header: 'Key' },
          { key: 'line', header: 'Source line', kind: 'number' },
          { key: 'error', header: 'Error', width: 60 },
          { key: 'parked', header: 'Parked behind it', kind: 'number' },
          { key: 'exceptions', header: 'Exceptions' },
        ],
        rows: r.failures.map((f) => ({
          eventId: f.eventId ?? '(none)',
          key: f.key,
          line: f.line,
          error: f.error,
          parked: f.parked,
          exceptions: f.exceptionIds.join(', '),
        })),
        highlight: () => true,
      },
    ],
  });
}

function pick(s: ReplayResult['byType'][string]): TableRow {
  return {
    read: s.read,
    applied: s.applied,
    alreadyApplied: s.alreadyApplied,
    failed: s.failed,
    parked: s.parked,
  };
}

/** The Markdown rendering of a replay result. */
export function replayMarkdown(r: ReplayResult): string {
  const c = r.counts;
  const lines = [
    `# Replay ${r.runId ?? '(dry run)'}`,
    '',
    `- Status: **${r.status}**${r.resumed ? ' (resumed)' : ''}`,
    `- Source: ${r.source.kind === 'file' ? r.source.path : `${r.source.connection}:${r.source.table}`}`,
    `- Mapping: ${r.mappingFile}; target(s): ${r.targets.join(', ')}`,
    `- Read ${c.read}, applied ${c.applied}, already applied ${c.alreadyApplied}, failed ${c.failed}, parked ${c.parked}`,
    `- Exceptions opened: ${r.exceptions.opened}; ${(r.elapsedMs / 1000).toFixed(1)} s, ${r.eventsPerSecond} events/s`,
    '',
    '## By event type',
    '',
    '| event type | read | applied | already applied | failed | parked | totals applied |',
    '|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const [type, s] of Object.entries(r.byType).sort()) {
    const sums = Object.entries(s.sums)
      .filter(([, v]) => v !== 'n/a')
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    lines.push(
      `| ${type} | ${s.read} | ${s.applied} | ${s.alreadyApplied} | ${s.failed} | ${s.parked} | ${sums} |`,
    );
  }
  if (r.failures.length) {
    lines.push('', '## Failed events (and the chains parked behind them)', '');
    lines.push('| event | key | line | error | parked | exceptions |', '|---|---|---:|---|---:|---|');
    for (const f of r.failures.slice(0, 500))
      lines.push(
        `| ${f.eventId ?? '(none)'} | ${cell(f.key)} | ${f.line} | ${cell(f.error)} | ${f.parked} | ${f.exceptionIds.join(', ')} |`,
      );
    if (r.failures.length > 500) lines.push('', `(${r.failures.length - 500} more in replay.json)`);
    lines.push(
      '',
      'Fix the cause, then `cutover exceptions retry ID` re-applies a failed event and its parked chain in order.',
    );
  }
  return lines.join('\n') + '\n';
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

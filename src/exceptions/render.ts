import { formatCount } from '../util/figures.js';
import { diffJson } from 'diff';
import { rowOf } from '../reconcilers/types.js';
import { differenceOf } from './records.js';
import type { ExceptionRecord, HistoryEntry } from './types.js';

/** A key for people: `A-100 / DC-EAST` for a record key, the event key as is. */
export function keyText(key: unknown): string {
  if (key && typeof key === 'object' && !Array.isArray(key))
    return Object.values(key as Record<string, unknown>)
      .map((v) => (v === null ? '(null)' : String(v)))
      .join(' / ');
  return typeof key === 'string' ? key : JSON.stringify(key);
}

/** The `list --json` item shape (SPEC: Exception queue). */
export function listItem(r: ExceptionRecord): Record<string, unknown> {
  return {
    id: r.id,
    kind: r.kind,
    mapping: r.mapping,
    key: r.key,
    status: r.status,
    severity: r.severity,
    firstSeen: r.firstSeen,
    lastSeen: r.lastSeen,
    occurrences: r.occurrences,
    assignee: r.assignee,
    ...(r.overdue !== undefined ? { overdue: r.overdue } : {}),
  };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const day = (iso: string) => iso.slice(0, 16).replace('T', ' ');

/** The human `list`: a table and the totals by status. */
export function renderList(result: {
  total: number;
  items: ExceptionRecord[];
  byStatus: Record<string, number>;
}): string {
  const totals = Object.entries(result.byStatus)
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  if (!result.total) return 'No exceptions match.';
  // With an SLA (`exceptions.sla`), the items past it are marked.
  const sla = result.items.some((r) => r.overdue !== undefined);
  const rows = [
    [
      'ID',
      'SEVERITY',
      'STATUS',
      'KIND',
      'MAPPING',
      'KEY',
      'FIRST SEEN',
      'LAST SEEN',
      'SEEN',
      'ASSIGNEE',
      ...(sla ? ['SLA'] : []),
    ],
    ...result.items.map((r) => [
      r.id,
      r.severity,
      r.status,
      r.kind,
      r.mapping,
      keyText(r.key).slice(0, 40),
      day(r.firstSeen),
      day(r.lastSeen),
      String(r.occurrences),
      r.assignee ?? '-',
      ...(sla ? [r.overdue ? 'OVERDUE' : ''] : []),
    ]),
  ];
  const truncated = result.items.length < result.total;
  const shown = truncated
    ? `Showing ${formatCount(result.items.length)} of ${formatCount(result.total)}`
    : formatCount(result.total);
  const hint = truncated
    ? `\nTo see all of them: --limit ${result.total} (or --json, or \`cutover exceptions export\` for a spreadsheet).`
    : '';
  return `${table(rows)}\n\n${shown} item${result.total === 1 ? '' : 's'} (${totals}).${hint}`;
}

/** The diff of the legacy and cloud records, as +/- lines (legacy → cloud). */
export function recordDiff(legacy: unknown, cloud: unknown): string[] {
  const lines: string[] = [];
  for (const part of diffJson((legacy ?? {}) as object, (cloud ?? {}) as object)) {
    const mark = part.added ? '+ ' : part.removed ? '- ' : '  ';
    for (const line of part.value.replace(/\n$/, '').split('\n')) lines.push(mark + line);
  }
  return lines;
}

/** The human `show`: the record, both systems' values, their diff and the history. */
export function renderShow(r: ExceptionRecord, history: HistoryEntry[]): string {
  const out: string[] = [];
  out.push(`${r.id}  ${r.kind}  ${r.mapping}${r.eventType ? ` (${r.eventType})` : ''}  ${keyText(r.key)}`);
  out.push(
    `status ${r.status} · severity ${r.severity}${r.variance ? ` (variance ${r.variance})` : ''} · assignee ${r.assignee ?? '-'}`,
  );
  out.push(
    `first seen ${r.firstSeen}${r.firstRunId ? ` (run ${r.firstRunId})` : ''} · last seen ${r.lastSeen}${r.lastRunId ? ` (run ${r.lastRunId})` : ''}`,
  );
  out.push(
    `occurrences ${r.occurrences} · attempts ${r.attempts}${r.resolvedByRun ? ` · resolved by run ${r.resolvedByRun}` : ''}`,
  );
  if (r.lastError) out.push(`last error: ${r.lastError}`);
  const d = differenceOf(r);
  // A difference about a record shows its rows; an unbalanced journal, like a replay item, its details.
  if (d && d.type !== 'unbalanced_journal') {
    if (d.type === 'mismatch' && Object.keys(d.fields).length) {
      out.push('', 'Differing fields:');
      const rows = [['FIELD', 'LEGACY', 'CLOUD', 'DELTA']];
      for (const [f, v] of Object.entries(d.fields))
        rows.push([f, v.legacy ?? '(null)', v.cloud ?? '(null)', v.delta ?? '']);
      out.push(table(rows).replace(/^/gm, '  '));
    }
    const legacy = rowOf(d, 'legacy');
    const cloud = rowOf(d, 'cloud');
    out.push('', `Legacy: ${legacy ? JSON.stringify(legacy) : '(no row)'}`);
    out.push(`Cloud:  ${cloud ? JSON.stringify(cloud) : '(no row)'}`);
    out.push('', 'Diff (- legacy, + cloud):', ...recordDiff(legacy, cloud).map((l) => '  ' + l));
  } else if (r.details !== null) {
    out.push(
      '',
      'Details:',
      ...JSON.stringify(r.details, null, 2)
        .split('\n')
        .map((l) => '  ' + l),
    );
  }
  out.push('', 'History:');
  const rows = history.map((h) => [
    day(h.at),
    h.who,
    h.action,
    h.fromStatus && h.toStatus && h.fromStatus !== h.toStatus
      ? `${h.fromStatus} → ${h.toStatus}`
      : (h.toStatus ?? ''),
    [
      h.note,
      h.changes?.assignee ? `assignee ${h.changes.assignee[0] ?? '-'} → ${h.changes.assignee[1] ?? '-'}` : '',
    ]
      .filter(Boolean)
      .join('; '),
  ]);
  out.push(rows.length ? table(rows).replace(/^/gm, '  ') : '  (none)');
  return out.join('\n');
}

import type { RunRecord } from '../store/runs.js';
import type { ReconcileSummary } from '../reconcilers/types.js';
import { renderReconcileSummary } from '../reconcilers/render-summary.js';
import { formatCount, formatFigure } from '../util/figures.js';
import { describeCause, whereText } from '../diagnosis/render.js';
import { table } from './text-table.js';

function cell(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

/** `runs list` for a person: newest first, one line a run. */
export function renderRunList(runs: RunRecord[], total: number, filtered = false): string {
  if (runs.length === 0)
    return filtered
      ? 'No runs match these filters (`cutover runs list` shows them all).'
      : 'No runs recorded yet.';
  const body = table(
    ['RUN', 'COMMAND', 'NAME', 'STATUS', 'SIGNOFF', 'STARTED', 'FINISHED', 'USER'],
    runs.map((r) => [
      r.id,
      r.command,
      cell(r.name),
      r.status,
      cell(r.signoff),
      r.startedAt,
      cell(r.finishedAt),
      cell(r.user),
    ]),
  );
  return total > runs.length ? `${body}\n(${runs.length} of ${total} runs; --limit shows more)` : body;
}

/** A summary value on one line: numbers and text as they are, anything else as compact JSON. */
function inline(v: unknown): string {
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : cell(v);
}

function isReconcileSummary(s: unknown): s is ReconcileSummary {
  const o = s as { counts?: unknown; fieldMismatches?: unknown } | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.counts === 'object' &&
    typeof o.fieldMismatches === 'object'
  );
}

/** Nothing worth a line: null, "n/a", an empty list or object. */
function empty(v: unknown): boolean {
  if (v === null || v === undefined || v === '' || v === 'n/a') return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.values(v as object).every(empty);
}

/** A value in words: numbers with separators, objects as "key value, key value" (nothing empty, no JSON). */
function readable(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? formatCount(v) : String(v);
  if (typeof v === 'string') return /^-?\d+(\.\d+)?$/.test(v) ? formatFigure(v) : v;
  if (Array.isArray(v))
    return v
      .filter((x) => !empty(x))
      .map(readable)
      .join('; ');
  if (v && typeof v === 'object')
    return Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => !empty(x))
      .map(([k, x]) => (typeof x === 'object' ? `${k} (${readable(x)})` : `${k} ${readable(x)}`))
      .join(', ');
  return cell(v);
}

/** `runs show` for a person: the run's record, then its summary's figures. */
export function renderRun(run: RunRecord): string {
  const lines = [
    `Run ${run.id}`,
    `  command   ${run.command}${run.name ? ` ${run.name}` : ''}`,
    `  status    ${run.status}`,
    `  started   ${run.startedAt}`,
    `  finished  ${cell(run.finishedAt) || '(not finished)'}`,
    `  by        ${cell(run.user)}${run.host ? ` on ${run.host}` : ''}`,
  ];
  const s = run.summary;
  if ((run.command === 'reconcile' || run.command === 'recheck') && isReconcileSummary(s)) {
    // The same readable summary the reconcile printed; --json keeps every figure.
    lines.push(
      ...renderReconcileSummary({ ...s, totals: s.totals ?? [] })
        .split('\n')
        .slice(1),
    );
    if (s.causes && s.causes.length > 0) {
      lines.push('  causes:');
      for (const c of s.causes) {
        const where = whereText(c);
        lines.push(
          `    ${c.kind} ${formatCount(c.count)}: ${describeCause(c)}${where ? `, where ${where}` : ''}`,
        );
      }
    }
    lines.push('  (--json prints the complete summary)');
  } else if (s && typeof s === 'object' && !Array.isArray(s)) {
    for (const [k, v] of Object.entries(s as Record<string, unknown>)) {
      if (['runId', 'name', 'status'].includes(k) || empty(v)) continue;
      if (Array.isArray(v)) {
        const items = v.filter((x) => !empty(x));
        lines.push(`  ${k}:`);
        for (const item of items.slice(0, 50)) lines.push(`    ${readable(item)}`);
        if (items.length > 50) lines.push(`    … and ${items.length - 50} more (--json shows all)`);
      } else if (typeof v === 'object') {
        const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => !empty(x));
        // A flat object on one line ("counts  read 114, applied 114"); a nested one a line per entry.
        if (entries.every(([, x]) => typeof x !== 'object')) lines.push(`  ${k.padEnd(9)} ${readable(v)}`);
        else {
          lines.push(`  ${k}:`);
          for (const [k2, v2] of entries) lines.push(`    ${k2}: ${readable(v2)}`);
        }
      } else lines.push(`  ${k.padEnd(9)} ${readable(v)}`);
    }
  } else if (s !== null && s !== undefined) lines.push(`  summary   ${inline(s)}`);
  return lines.join('\n');
}

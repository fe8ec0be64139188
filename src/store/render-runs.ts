import type { RunRecord } from './runs.js';

function cell(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

/** A plain-text table: one header row, columns padded to their widest cell. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** `runs list` for a person: newest first, one line a run. */
export function renderRunList(runs: RunRecord[], total: number, filtered = false): string {
  if (runs.length === 0)
    return filtered
      ? 'No runs match these filters (`cutover runs list` shows them all).'
      : 'No runs recorded yet.';
  const body = table(
    ['RUN', 'COMMAND', 'NAME', 'STATUS', 'STARTED', 'FINISHED', 'USER'],
    runs.map((r) => [r.id, r.command, cell(r.name), r.status, r.startedAt, cell(r.finishedAt), cell(r.user)]),
  );
  return total > runs.length ? `${body}\n(${runs.length} of ${total} runs; --limit shows more)` : body;
}

/** A summary value on one line: numbers and text as they are, anything else as compact JSON. */
function inline(v: unknown): string {
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : cell(v);
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
  if (s && typeof s === 'object' && !Array.isArray(s)) {
    for (const [k, v] of Object.entries(s as Record<string, unknown>)) {
      if (['runId', 'name', 'status'].includes(k)) continue;
      if (Array.isArray(v)) {
        lines.push(`  ${k}:`);
        for (const item of v.slice(0, 50)) lines.push(`    ${inline(item)}`);
        if (v.length > 50) lines.push(`    ... ${v.length - 50} more (--json shows all)`);
      } else if (v && typeof v === 'object') {
        lines.push(`  ${k}:`);
        for (const [k2, v2] of Object.entries(v as Record<string, unknown>))
          lines.push(`    ${k2}: ${inline(v2)}`);
      } else lines.push(`  ${k}: ${cell(v)}`);
    }
  } else if (s !== null && s !== undefined) lines.push(`  summary   ${inline(s)}`);
  return lines.join('\n');
}

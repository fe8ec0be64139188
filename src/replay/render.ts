import type { ReplayProgress, ReplayResult } from './replay-types.js';

/** The SPEC `--json` shape of a replay (plus the report paths and dry-run detail when present). */
export function replayJson(
  r: ReplayResult,
  reports?: { json: string; md: string; xlsx?: string },
): Record<string, unknown> {
  return {
    runId: r.runId,
    status: r.status,
    counts: r.counts,
    exceptions: r.exceptions,
    ...(reports ? { reports } : {}),
    ...(r.dryRun
      ? { dryRun: { wouldFail: r.dryRun.wouldFail.slice(0, 100), sample: r.dryRun.sample, byType: r.byType } }
      : {}),
  };
}

/** The human summary of a replay. */
export function renderReplay(r: ReplayResult, reports?: { json: string; md: string; xlsx?: string }): string {
  const c = r.counts;
  if (r.dryRun) {
    const d = r.dryRun;
    const lines = [
      `Dry run: ${c.read} events read; ${c.applied} would apply, ${c.alreadyApplied} already applied, ${c.failed} would fail. Nothing was written.`,
      ...Object.entries(r.byType).map(
        ([t, s]) => `  ${t}: ${s.read} read, ${s.applied} would apply, ${s.failed} would fail`,
      ),
    ];
    if (d.wouldFail.length)
      lines.push(
        'Would fail:',
        ...d.wouldFail.slice(0, 10).map((f) => `  line ${f.line} ${f.eventId ?? ''}: ${f.problem}`),
      );
    if (d.sample.length)
      lines.push(
        d.sample.length < c.applied
          ? `Sample of changes (the first ${d.sample.length} of ${c.applied} that would apply; the counts above cover every event):`
          : 'Changes:',
        ...d.sample.map((s) =>
          s.request
            ? `  ${s.eventId} ${s.type}: ${s.request}`
            : `  ${s.eventId} ${s.type}: ${s.action} ${s.table} ${JSON.stringify(s.match ?? {})} ${JSON.stringify(s.values ?? {})}${s.currentRows === undefined ? '' : ` (${s.currentRows} row(s) match now)`}`,
        ),
      );
    return lines.join('\n');
  }
  const lines = [
    `Replay ${r.runId}: ${r.status}${r.resumed ? ' (resumed)' : ''}. ${c.read} read, ${c.applied} applied, ${c.alreadyApplied} already applied, ${c.failed} failed, ${c.parked} parked (${r.eventsPerSecond} events/s).`,
  ];
  if (c.applied === 0 && c.alreadyApplied > 0 && !c.failed && !c.parked)
    lines.push('Every event was already applied: nothing was changed.');
  for (const f of r.failures.slice(0, 10))
    lines.push(
      `  failed ${f.eventId ?? `line ${f.line}`} (key ${f.key}, line ${f.line}): ${f.error}${f.parked ? `; ${f.parked} parked behind it` : ''} [${f.exceptionIds.join(', ')}]`,
    );
  if (r.failures.length > 10) lines.push(`  ... and ${r.failures.length - 10} more (see the report)`);
  if (r.exceptions.opened)
    lines.push(
      `${r.exceptions.opened} exception(s) opened: \`cutover exceptions list --kind replay_failed\`.`,
    );
  if (r.status === 'interrupted')
    lines.push(`Interrupted. Continue with: cutover replay --events ... --resume ${r.runId}`);
  if (reports) lines.push(`Report: ${reports.md}${reports.xlsx ? ` and ${reports.xlsx}` : ''}`);
  return lines.join('\n');
}

/** One progress line for a TTY: applied, failed, parked, rate, ETA. */
export function progressLine(p: ReplayProgress): string {
  const doneCount = p.applied + p.alreadyApplied + p.failed + p.parked;
  const rate = p.elapsedMs > 0 ? (doneCount * 1000) / p.elapsedMs : 0;
  const left = Math.max(0, p.total - doneCount);
  const eta = rate > 0 ? Math.round(left / rate) : 0;
  const mmss = `${Math.floor(eta / 60)}:${String(eta % 60).padStart(2, '0')}`;
  return `applied ${p.applied}  already ${p.alreadyApplied}  failed ${p.failed}  parked ${p.parked}  ${doneCount}/${p.total}  ${Math.round(rate)} ev/s  ETA ${mmss}`;
}

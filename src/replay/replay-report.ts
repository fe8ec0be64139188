import fs from 'node:fs/promises';
import path from 'node:path';
import type { ReplayResult } from './run-replay.js';

/** Writes reports/<run>/replay.json and replay.md: what was applied, failed and parked, per event type. */
export async function writeReplayReport(
  reportsDir: string,
  result: ReplayResult,
): Promise<{ json: string; md: string }> {
  const dir = path.join(reportsDir, result.runId!);
  await fs.mkdir(dir, { recursive: true });
  const json = path.join(dir, 'replay.json');
  const md = path.join(dir, 'replay.md');
  await fs.writeFile(json, JSON.stringify(result, null, 2) + '\n');
  await fs.writeFile(md, replayMarkdown(result));
  return { json, md };
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

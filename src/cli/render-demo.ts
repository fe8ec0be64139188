import { isZeroFigure } from '../reconcilers/domains/totals.js';
import type { ReconcileSummary, TotalsSummaryEntry } from '../reconcilers/types.js';
import { groupLabel } from '../reconcilers/render-summary.js';
import { formatCount, formatFigure } from '../util/figures.js';
import type { DemoResult } from '../demo/run-demo.js';

const n = (x: number | undefined) => formatCount(x ?? 0);

/** The demo's closing screen: one line per domain, what was planted and found, the next commands. */
export function renderDemo(r: DemoResult): string {
  const out: string[] = [];
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  out.push(
    `Built the demo in ${r.dir} (scale ${r.scale}, seed ${r.seed}) in ${secs(r.timings.buildMs)}; reconciled in ${secs(r.timings.reconcileMs)}.`,
    '',
  );
  const width = Math.max(...r.runs.map((x) => x.name.length));
  for (const run of r.runs) out.push(`  ${run.name.padEnd(width)}  ${domainLine(run)}`);
  out.push('');
  const planted = r.expected.planted;
  const wrong = Object.entries(r.check).filter(([, lines]) => lines.length);
  if (!wrong.length)
    out.push(
      `Every planted fault was found, exactly as planted (${planted.filter((p) => p.reported).length} kinds);` +
        ` ${planted
          .filter((p) => !p.reported)
          .map((p) => `${n(p.rows)} ${p.fault.replace(/,.*$/, '')}`)
          .join('; ')} stayed inside tolerance, as they should.`,
    );
  else
    for (const [name, lines] of wrong)
      out.push(`${name}: the run does not match what was planted: ${lines.join('; ')}.`);
  out.push('', 'What was planted (expected.json has the figures):');
  for (const p of planted)
    out.push(`  ${p.domain.padEnd(width)}  ${n(p.rows).padStart(5)}  ${p.fault} → ${p.shows}`);
  const reports = r.runs.flatMap((run) =>
    Object.entries(run.reports ?? {}).filter(([k]) => k === 'xlsx' || k === 'json'),
  );
  if (reports.length) {
    out.push('', 'Reports:');
    for (const [kind, file] of reports) out.push(`  ${kind.padEnd(5)} ${file}`);
  }
  const night = r.secondNight;
  const diffs = (c: ReconcileSummary['counts']) =>
    c.mismatched + c.missingInCloud + c.missingInLegacy + c.duplicateKeys + (c.unbalancedJournals ?? 0);
  out.push(
    '',
    `Second night: replayed events.jsonl (run ${night.replay.runId ?? '-'}, ${n(night.replay.counts.applied)} applied) and reconciled again: ${night.runs.map((x) => `${x.name} ${n(diffs(x.counts))}`).join(', ')} differences.`,
    `Dashboard: ${night.dashboard}`,
  );
  out.push('', 'Try next:');
  for (const cmd of r.next) out.push(`  ${cmd}`);
  return out.join('\n');
}

function domainLine(run: ReconcileSummary): string {
  const c = run.counts;
  const parts = [`${n(c.legacy)} legacy / ${n(c.cloud)} cloud rows`, `${n(c.matched)} matched`];
  const fields = Object.entries(run.fieldMismatches)
    .sort((a, b) => b[1] - a[1])
    .map(([f, k]) => `${f} ${n(k)}`);
  parts.push(`${n(c.mismatched)} mismatched${fields.length ? ` (${fields.join(', ')})` : ''}`);
  if (c.missingInCloud) parts.push(`${n(c.missingInCloud)} missing in cloud`);
  if (c.missingInLegacy) parts.push(`${n(c.missingInLegacy)} missing in legacy`);
  if (c.duplicateKeys) parts.push(`${n(c.duplicateKeys)} duplicate keys`);
  if (c.unbalancedJournals)
    parts.push(`${n(c.unbalancedJournals)} unbalanced journal${c.unbalancedJournals > 1 ? 's' : ''}`);
  const entries = run.totalsSummary ?? [];
  const grand = entries.filter((t) => t.lines === 1 && t.field !== 'count').slice(0, 2);
  if (grand.length) parts.push(grand.map(totalText).join(', '));
  const differing = entries.filter((t) => !isZeroFigure(t.absDifference));
  if (entries.length) {
    // The total whose lines moved most: its absolute difference, which its net can hide.
    const worst = differing
      .filter((t) => t.lines > 1)
      .sort((a, b) => b.linesWithVariance - a.linesWithVariance)[0];
    parts.push(
      `${n(differing.length)} of ${n(entries.length)} control totals differ` +
        (worst
          ? ` (${groupLabel(worst.group)}: net ${fig(worst, worst.difference)}, absolute ${fig(worst, worst.absDifference)})`
          : ''),
    );
  }
  return parts.join(' · ');
}

const fig = (t: TotalsSummaryEntry, v: string) => formatFigure(v, { currency: t.currency });

function totalText(t: TotalsSummaryEntry): string {
  return `${t.field.replace('*', ' × ')} ${fig(t, t.legacy)} vs ${fig(t, t.cloud)}`;
}

/** The human rendering of reconcile summaries: counts, the totals that differ, where the report is. */
import { displayKey } from './key.js';
import type { ReconcileSummary, TotalLine } from './types.js';
import { isZeroFigure } from './domains/totals.js';

const MAX_TOTAL_LINES = 15;

/** A short readable summary of one mapping's run. */
export function renderReconcileSummary(s: ReconcileSummary): string {
  const c = s.counts;
  const out: string[] = [];
  const verdict = s.status === 'clean' ? 'CLEAN' : 'DIFFERENCES';
  const odd = differingTotalsWhenClean(s);
  out.push(
    `${s.name} (${s.runId}): ${verdict}${odd ? ` (every row within tolerance, but ${totalsDiffer(odd)})` : ''}`,
  );
  out.push(
    `  rows        legacy ${c.legacy.toLocaleString('en-US')}, cloud ${c.cloud.toLocaleString('en-US')}` +
      (s.window
        ? `  (window on ${s.window.field}: ${s.window.since ?? '…'} to ${s.window.until ?? '…'})`
        : ''),
  );
  out.push(
    `  matched ${c.matched}, mismatched ${c.mismatched}, missing in cloud ${c.missingInCloud}, ` +
      `missing in legacy ${c.missingInLegacy}, duplicate keys ${c.duplicateKeys}` +
      (c.unbalancedJournals !== undefined ? `, unbalanced journals ${c.unbalancedJournals}` : ''),
  );
  const fields = Object.entries(s.fieldMismatches).sort((a, b) => b[1] - a[1]);
  if (fields.length) out.push(`  fields      ${fields.map(([f, n]) => `${f} ${n}`).join(', ')}`);
  const differing = s.totals.filter((t) => !isZeroFigure(t.difference));
  if (s.totals.length) {
    out.push(
      `  totals      ${s.totals.length - differing.length} of ${s.totals.length} agree` +
        (differing.length ? '; differing:' : ''),
    );
    for (const t of differing.slice(0, MAX_TOTAL_LINES)) out.push(`    ${totalLine(t)}`);
    if (differing.length > MAX_TOTAL_LINES) out.push(`    … and ${differing.length - MAX_TOTAL_LINES} more`);
  }
  if (s.exceptions)
    out.push(
      `  exceptions  opened ${s.exceptions.opened}, updated ${s.exceptions.updated}, resolved ${s.exceptions.resolved}` +
        (s.exceptions.reopened !== undefined ? `, reopened ${s.exceptions.reopened}` : '') +
        (s.exceptions.ignored ? `, still ignored ${s.exceptions.ignored}` : ''),
    );
  for (const [kind, file] of Object.entries(s.reports ?? {})) out.push(`  ${kind.padEnd(11)} ${file}`);
  return out.join('\n');
}

/**
 * How many control totals differ in a CLEAN run (every row within tolerance): tolerated row
 * differences add up, or a total sums a field that is not compared. Each rendering says so next to
 * its verdict, so finance does not read "clean" and a differing total as a contradiction.
 */
export function differingTotalsWhenClean(s: Pick<ReconcileSummary, 'status' | 'totals'>): number {
  return s.status === 'clean' ? s.totals.filter((t) => !isZeroFigure(t.difference)).length : 0;
}

/** "1 control total differs" / "2 control totals differ". */
export function totalsDiffer(n: number): string {
  return `${n} control total${n === 1 ? ' differs' : 's differ'}`;
}

function totalLine(t: TotalLine): string {
  const by = Object.keys(t.by).length ? ` [${displayKey(t.by)}]` : '';
  return `${t.group}${by} ${t.field}: legacy ${t.legacy}, cloud ${t.cloud}, difference ${t.difference}`;
}

/** Several runs one after the other, with a closing line. */
export function renderReconcileSummaries(runs: ReconcileSummary[]): string {
  const text = runs.map(renderReconcileSummary).join('\n\n');
  if (runs.length < 2) return text;
  const bad = runs.filter((r) => r.status !== 'clean').map((r) => r.name);
  return `${text}\n\n${runs.length} mappings: ${bad.length ? `differences in ${bad.join(', ')}` : 'all clean'}`;
}

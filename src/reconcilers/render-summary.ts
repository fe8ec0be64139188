/** The human rendering of reconcile summaries: counts, the totals that differ, where the report is. */
import { displayKey } from './key.js';
import type { RecheckSide, ReconcileSummary, TotalLine, TotalsSummaryEntry } from './types.js';
import { isZeroFigure } from './domains/totals.js';
import { formatCount, formatFigure } from '../util/figures.js';
import { materialityText } from './materiality.js';

const MAX_TOTAL_LINES = 15;

/** A short readable summary of one mapping's run. */
export function renderReconcileSummary(s: ReconcileSummary): string {
  const c = s.counts;
  const out: string[] = [];
  const verdict = s.status === 'clean' ? 'CLEAN' : s.status === 'stopped' ? 'STOPPED' : 'DIFFERENCES';
  const odd = differingTotalsWhenClean(s);
  out.push(
    `${s.name} (${s.runId}): ${verdict}${odd ? ` (every row within tolerance, but ${cleanButDiffers(s)})` : ''}`,
  );
  if (s.stopped) out.push(`  ${stoppedText(s.stopped.maxDifferences)}`);
  for (const [label, text] of liveLines(s)) out.push(`  ${label.padEnd(11)} ${text}`);
  out.push(
    `  rows        legacy ${formatCount(c.legacy)}, cloud ${formatCount(c.cloud)}` +
      (s.window
        ? `  (window on ${s.window.field}: ${s.window.since ?? '…'} to ${s.window.until ?? '…'})`
        : ''),
  );
  out.push(
    `  matched ${formatCount(c.matched)}, mismatched ${formatCount(c.mismatched)}, missing in cloud ${formatCount(c.missingInCloud)}, ` +
      `missing in legacy ${formatCount(c.missingInLegacy)}, duplicate keys ${formatCount(c.duplicateKeys)}` +
      (c.unbalancedJournals !== undefined
        ? `, unbalanced journals ${formatCount(c.unbalancedJournals)}`
        : ''),
  );
  const fields = Object.entries(s.fieldMismatches).sort((a, b) => b[1] - a[1]);
  if (fields.length) out.push(`  fields      ${fields.map(([f, n]) => `${f} ${formatCount(n)}`).join(', ')}`);
  const differing = s.totals.filter((t) => !isZeroFigure(t.difference));
  if (s.totalsSummary?.length) out.push(...renderTotalsSummary(s.totalsSummary));
  else if (s.totals.length) {
    out.push(
      `  totals      ${s.totals.length - differing.length} of ${s.totals.length} agree` +
        (differing.length ? '; differing:' : ''),
    );
    for (const t of differing.slice(0, MAX_TOTAL_LINES)) out.push(`    ${totalLine(t)}`);
    if (differing.length > MAX_TOTAL_LINES) out.push(`    … and ${differing.length - MAX_TOTAL_LINES} more`);
  }
  if (s.materiality) out.push(`  materiality ${materialityText(s.materiality)}`);
  if (s.exceptions)
    out.push(
      `  exceptions  opened ${formatCount(s.exceptions.opened)}, updated ${formatCount(s.exceptions.updated)}, resolved ${formatCount(s.exceptions.resolved)}` +
        (s.exceptions.reopened !== undefined ? `, reopened ${formatCount(s.exceptions.reopened)}` : '') +
        (s.exceptions.ignored ? `, still ignored ${formatCount(s.exceptions.ignored)}` : ''),
    );
  for (const [kind, file] of Object.entries(s.reports ?? {})) out.push(`  ${kind.padEnd(11)} ${file}`);
  return out.join('\n');
}

/** What a live or partial run did besides the compare, labelled: the recheck, the confirm pass, the settle window. */
export function liveLines(s: ReconcileSummary): [string, string][] {
  const out: [string, string][] = [];
  if (s.recheck) out.push(['recheck', recheckText(s.recheck)]);
  if (s.confirm)
    out.push([
      'confirm',
      `after ${s.confirm.after}: ${formatCount(s.confirm.rechecked)} key(s) read again; ${formatCount(s.confirm.persistent)} persistent, ${formatCount(s.confirm.changed)} changed, ${formatCount(s.confirm.inFlight)} in flight (not counted: listed apart)`,
    ]);
  if (s.settle)
    out.push([
      'settle',
      `${s.settle.age} on ${s.settle.field}: left out ${formatCount(s.settle.skipped.legacy)} legacy and ${formatCount(s.settle.skipped.cloud)} cloud row(s) changed since, and ${formatCount(s.settle.differencesSkipped)} difference(s) on their keys`,
    ]);
  return out;
}

/** What a recheck read: how many open items, and per side how their keys were read. */
export function recheckText(r: NonNullable<ReconcileSummary['recheck']>): string {
  const side = (name: string, d: RecheckSide) =>
    d.pushedDown.length
      ? `${name} by key on ${d.pushedDown.join(', ')} (${formatCount(d.statements)} statement${d.statements === 1 ? '' : 's'})`
      : d.statements
        ? `${name} read whole and filtered (${(d.notPushed ?? []).join('; ')})`
        : `${name} not read`;
  return `${formatCount(r.items)} open item${r.items === 1 ? '' : 's'} read again: ${side('legacy', r.legacy)}, ${side('cloud', r.cloud)}; nothing else was read or changed`;
}

/** What a stopped run says wherever it is shown. */
export function stoppedText(maxDifferences: number): string {
  return `stopped at --max-differences ${formatCount(maxDifferences)}: only the first ${formatCount(maxDifferences)} differences were recorded and the counts cover only what was compared; the exception queue was left alone. Fix the mapping (or raise the limit) and run again.`;
}

/**
 * How many control totals differ in a CLEAN run (every row within tolerance): tolerated row
 * differences add up, or a total sums a field that is not compared. A total differs when any of its
 * lines does (a non-zero ABSOLUTE difference), even when its net difference is zero: offsetting
 * errors must not hide behind a clean verdict. Each rendering says so next to its verdict.
 */
export function differingTotalsWhenClean(
  s: Pick<ReconcileSummary, 'status' | 'totals' | 'totalsSummary'>,
): number {
  if (s.status !== 'clean') return 0;
  if (s.totalsSummary) return s.totalsSummary.filter((t) => !isZeroFigure(t.absDifference)).length;
  return s.totals.filter((t) => !isZeroFigure(t.difference)).length;
}

/** "1 control total differs" / "2 control totals differ". */
export function totalsDiffer(n: number): string {
  return `${n} control total${n === 1 ? ' differs' : 's differ'}`;
}

/**
 * What a clean verdict must add when totals differ: how many, and the one with the largest absolute
 * difference with its net and absolute figures ("2 control totals differ; amount by day: net 0.00
 * USD, absolute 0.40 USD").
 */
export function cleanButDiffers(s: Pick<ReconcileSummary, 'status' | 'totals' | 'totalsSummary'>): string {
  const n = differingTotalsWhenClean(s);
  const worst = [...(s.totalsSummary ?? [])]
    .filter((t) => !isZeroFigure(t.absDifference))
    .sort((a, b) => compareMagnitude(b.absDifference, a.absDifference))[0];
  if (!worst) return totalsDiffer(n);
  const fig = (v: string) => formatFigure(v, { currency: worst.currency });
  return `${totalsDiffer(n)}; ${groupLabel(worst.group)} ${worst.field}: net ${fig(worst.difference)}, absolute ${fig(worst.absDifference)}`;
}

/** "account 112000, period 2026-11: " for a line's `by`; nothing for a grand total. */
export function byText(by: Record<string, string | null>): string {
  const parts = Object.entries(by).map(([k, v]) => `${k} ${v ?? '(empty)'}`);
  return parts.length ? `${parts.join(', ')}: ` : '';
}

/** A control-total group label in the reports' one case style: sentence case ("Trial balance", "On hand by location"). */
export function groupLabel(group: string): string {
  return group.charAt(0).toUpperCase() + group.slice(1);
}

/** Orders two non-negative decimal strings by value. */
function compareMagnitude(a: string, b: string): number {
  const [ai = '', af = ''] = a.split('.');
  const [bi = '', bf = ''] = b.split('.');
  const w = Math.max(af.length, bf.length);
  const x = BigInt(ai + af.padEnd(w, '0'));
  const y = BigInt(bi + bf.padEnd(w, '0'));
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The control totals as a person reads them: one line per total with its net difference, and for a
 * total of many lines the absolute difference, the lines with a variance and the largest line, so
 * offsetting errors never net away.
 */
export function renderTotalsSummary(entries: readonly TotalsSummaryEntry[]): string[] {
  const differing = entries.filter((t) => !isZeroFigure(t.absDifference));
  const out = [
    `  totals      ${entries.length - differing.length} of ${entries.length} agree${differing.length ? '; differing:' : ''}`,
  ];
  for (const t of differing.slice(0, MAX_TOTAL_LINES)) out.push(`    ${totalsEntryLine(t)}`);
  if (differing.length > MAX_TOTAL_LINES)
    out.push(`    … and ${differing.length - MAX_TOTAL_LINES} more (--json shows all, as totalsSummary)`);
  return out;
}

/** "Trial balance by account amount: net 0.01 USD, absolute 44,227.01 USD; 5 of 12 lines differ, largest account 112000: -22,113.50 USD". */
export function totalsEntryLine(t: TotalsSummaryEntry): string {
  const fig = (v: string) => formatFigure(v, { currency: t.currency });
  const head = `${groupLabel(t.group)} ${t.field}: net ${fig(t.difference)}`;
  if (t.lines <= 1) return `${head} (legacy ${fig(t.legacy)}, cloud ${fig(t.cloud)})`;
  const largest = t.largest ? `, largest ${byText(t.largest.by)}${fig(t.largest.difference)}` : '';
  return `${head}, absolute ${fig(t.absDifference)}; ${formatCount(t.linesWithVariance)} of ${formatCount(t.lines)} lines differ${largest}`;
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

import fs from 'node:fs/promises';
import path from 'node:path';
import type { Mapping } from '../config/mapping-schema.js';
import type { ControlStore } from '../store/control-store.js';
import type { Difference, ReconcileSummary } from '../reconcilers/types.js';
import { displayKey } from '../reconcilers/key.js';
import { byText, cleanButDiffers, differingTotalsWhenClean, groupLabel, liveLines, stoppedText } from '../reconcilers/render-summary.js';
import { readInFlight } from './in-flight.js';
import { materialityText } from '../reconcilers/materiality.js';
import { signoffLines } from './signoff-text.js';
import { streamDifferences } from '../store/differences.js';
import { controlTotals, lineCurrency, lineScale } from './control-totals.js';
import { isCanonicalDecimal, toScaled } from '../util/exact-decimal.js';
import { formatCount, formatFigure } from '../util/figures.js';
import { FieldKinds } from './field-kinds.js';
import { writeAtomically } from './atomic-file.js';
import { causesMarkdown } from './causes-markdown.js';

/** How many differences and differing total lines the Markdown report lists. */
export const MARKDOWN_TOP = 20;

/** Escapes ERP text for a Markdown table cell, so it can neither break the table nor become a link or markup. */
export function mdText(value: string | null | undefined): string {
  if (value === null || value === undefined) return '∅';
  return value
    .replace(/[\r\n]+/g, ' ')
    .replace(/([\\`*_[\]<>|#!~])/g, '\\$1')
    .slice(0, 200);
}

const TYPE_LABEL: Record<Difference['type'], string> = {
  mismatch: 'mismatch',
  missing_in_cloud: 'missing in cloud',
  missing_in_legacy: 'missing in legacy',
  duplicate_key: 'duplicate key',
  unbalanced_journal: 'unbalanced journal',
};

/** The Markdown report for the chat channel and the run log: the summary, totals that differ, the top differences. */
export async function renderMarkdown(opts: {
  store: ControlStore;
  summary: ReconcileSummary;
  mapping?: Mapping;
  runId: string;
  top?: number;
  /** The Markdown file being written: the other reports are named relative to its folder. */
  file?: string;
  /** The run's report folder (reports/<run>), where its other reports are. */
  runDir?: string;
}): Promise<string> {
  const { summary: s, mapping } = opts;
  const top = opts.top ?? MARKDOWN_TOP;
  const c = s.counts;
  // Same labels as the workbook: "On hand (eaches) × unit_cost" for a value total, "Row count" for count.
  const kinds = new FieldKinds(mapping, []);
  const label = (f: string) => mdText(kinds.get(f).label);
  const out: string[] = [];
  out.push(`## ${s.status === 'clean' ? '✅ PASS' : '❌ FAIL'} — reconciliation ${mdText(s.name)}`, '');
  if (s.stopped) out.push(`> **Stopped:** ${mdText(stoppedText(s.stopped.maxDifferences))}`, '');
  // Beside the differences, never instead of them: the counts and totals below stay in full.
  if (s.materiality) out.push(`**Materiality:** ${mdText(materialityText(s.materiality))}.`, '');
  for (const line of signoffLines(s)) out.push(`**Sign-off:** ${mdText(line)}`, '');
  for (const [label, text] of liveLines(s)) out.push(`**${label[0]!.toUpperCase()}${label.slice(1)}:** ${mdText(text)}.`, '');
  const odd = differingTotalsWhenClean(s);
  if (odd)
    out.push(
      `> Every row is within tolerance, but ${mdText(cleanButDiffers(s))}: tolerated row differences add up (or a total sums a field that is not compared). See the control totals below.`,
      '',
    );
  out.push(`- Run: \`${s.runId}\` · started ${s.startedAt} · ${(s.durationMs / 1000).toFixed(1)} s`);
  out.push(`- Legacy: ${mdText(s.systems.legacy.connection)} (${mdText(s.systems.legacy.source)}, ${c.legacy} rows)`);
  out.push(`- Cloud: ${mdText(s.systems.cloud.connection)} (${mdText(s.systems.cloud.source)}, ${c.cloud} rows)`);
  if (s.window) out.push(`- Window: ${mdText(s.window.field)} ${s.window.since ?? '(start)'} → ${s.window.until ?? '(now)'}`);
  out.push('', '| matched | mismatched | missing in cloud | missing in legacy | duplicate keys |' + (c.unbalancedJournals !== undefined ? ' unbalanced journals |' : ''));
  out.push('|---:|---:|---:|---:|---:|' + (c.unbalancedJournals !== undefined ? '---:|' : ''));
  out.push(
    `| ${c.matched} | ${c.mismatched} | ${c.missingInCloud} | ${c.missingInLegacy} | ${c.duplicateKeys} |` +
      (c.unbalancedJournals !== undefined ? ` ${c.unbalancedJournals} |` : ''),
  );
  const fields = Object.entries(s.fieldMismatches).sort((a, b) => b[1] - a[1]);
  if (fields.length > 0) out.push('', `Fields with most mismatches: ${fields.slice(0, 5).map(([f, n]) => `${label(f)} (${n})`).join(', ')}`);

  const totals = controlTotals(s.totals, mapping);
  if (totals.length > 0) {
    out.push(
      '',
      '### Control totals',
      '',
      'Net = cloud − legacy; absolute = the sum of every line’s |difference|, so offsetting errors do not cancel.',
      '',
      '| group | field | legacy | cloud | net difference | absolute difference | lines with variance | largest line |',
      '|---|---|---:|---:|---:|---:|---:|---|',
    );
    for (const t of totals) {
      const fig = (v: string) => formatFigure(v, { scale: t.scale, currency: t.currency });
      const largest = t.largest && t.lines > 1 ? `${mdText(byText(t.largest.by).replace(/: $/, ''))}: ${fig(t.largest.difference)}` : '';
      out.push(
        `| ${mdText(groupLabel(t.group))} | ${label(t.field)} | ${fig(t.legacy)} | ${fig(t.cloud)} | ${fig(t.difference)} | ${fig(t.absDifference)} | ${formatCount(t.linesWithVariance)} of ${formatCount(t.lines)} | ${largest} |`,
      );
    }
    const differing = s.totals.filter((l) => isCanonicalDecimal(l.difference) && toScaled(l.difference, 38) !== 0n);
    if (differing.length > 0) {
      out.push('', `### Control-total lines that differ (${differing.length})`, '', '| group | by | field | legacy | cloud | variance |', '|---|---|---|---:|---:|---:|');
      for (const l of differing.slice(0, top)) {
        const fig = (v: string) => formatFigure(v, { scale: lineScale(l, mapping), currency: lineCurrency(l, mapping) });
        out.push(`| ${mdText(groupLabel(l.group))} | ${mdText(displayKey(l.by))} | ${label(l.field)} | ${fig(l.legacy)} | ${fig(l.cloud)} | ${fig(l.difference)} |`);
      }
      if (differing.length > top) out.push('', `…and ${differing.length - top} more lines (see the workbook, or \`--json\` for all).`);
    }
  }

  out.push(...causesMarkdown(s.causes));

  const total = c.mismatched + c.missingInCloud + c.missingInLegacy + c.duplicateKeys + (c.unbalancedJournals ?? 0);
  if (total > 0) {
    out.push('', `### First ${Math.min(top, total)} of ${total} differences`, '', '| type | key | field | legacy | cloud | delta |', '|---|---|---|---:|---:|---:|');
    for await (const { diff } of streamDifferences(opts.store, opts.runId, { limit: top, pageSize: top })) {
      const key = mdText(displayKey(diff.key));
      const type = TYPE_LABEL[diff.type];
      if (diff.type === 'mismatch') {
        const entries = Object.entries(diff.fields);
        const shown = entries.slice(0, 3).map(([f, v]) => `| ${type} | ${key} | ${label(f)} | ${mdText(v.legacy)} | ${mdText(v.cloud)} | ${mdText(v.delta ?? '')} |`);
        out.push(...shown);
        if (entries.length > 3) out.push(`| | ${key} | …${entries.length - 3} more fields | | | |`);
      } else if (diff.type === 'unbalanced_journal')
        out.push(`| ${type} | ${key} | ${diff.side} debit − credit | ${mdText(diff.balance.debit)} | ${mdText(diff.balance.credit)} | ${mdText(diff.balance.difference)} |`);
      else if (diff.type === 'duplicate_key') out.push(`| ${type} | ${key} | ${diff.count} rows on ${diff.side} | | | |`);
      else out.push(`| ${type} | ${key} | | | | |`);
    }
  }
  const inFlight = readInFlight(s, opts.runDir, top);
  if (inFlight) {
    out.push('', `### In flight: ${inFlight.total} (not counted)`, '', 'Seen by the first pass, gone when the confirm pass read these keys again.', '', '| type | key |', '|---|---|');
    for (const d of inFlight.rows) out.push(`| ${TYPE_LABEL[d.type]} | ${mdText(displayKey(d.key))} |`);
    if (inFlight.total > inFlight.rows.length) out.push('', `…and ${inFlight.total - inFlight.rows.length} more (in-flight.jsonl).`);
  }
  if (s.reports && Object.keys(s.reports).length > 0)
    out.push('', `Reports: ${Object.entries(s.reports).map(([f, p]) => `${f} \`${reportPath(p, opts)}\``).join(', ')}`);
  return out.join('\n') + '\n';
}

/**
 * A run's report as the Markdown file names it: relative to the Markdown file's own folder (beside
 * it: just its name), never relative to the folder the run happened to be started in.
 */
function reportPath(p: string, opts: { file?: string; runDir?: string }): string {
  const target = opts.runDir ? path.join(opts.runDir, path.basename(p)) : path.resolve(p);
  if (!opts.file) return target;
  const rel = path.relative(path.dirname(path.resolve(opts.file)), target);
  return rel.startsWith('..') ? target : rel;
}

/** Writes the Markdown report to `file` (temp file, then rename). */
export async function writeMarkdownReport(opts: Parameters<typeof renderMarkdown>[0] & { file: string }): Promise<void> {
  const text = await renderMarkdown(opts);
  await writeAtomically(opts.file, (tmp) => fs.writeFile(tmp, text, 'utf8'));
}

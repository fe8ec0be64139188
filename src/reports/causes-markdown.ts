/** The Markdown report's Causes section: the run's differences explained as causes. */
import type { Cause } from '../diagnosis/types.js';
import { describeCause, impactText, whereText } from '../diagnosis/render.js';

/** Escapes table-breaking characters. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
}

/** Lines of the section; none when the run was not diagnosed or has no differences to explain. */
export function causesMarkdown(causes: readonly Cause[] | undefined): string[] {
  if (!causes?.length) return [];
  const out = [
    '',
    `### Causes (${causes.length})`,
    '',
    'Suggestions for a person to accept or reject; nothing was changed.',
    '',
    '| # | cause | differences | share | where | found | at stake | confidence | suggested mapping change |',
    '|---:|---|---:|---:|---|---|---|---|---|',
  ];
  causes.forEach((c, i) =>
    out.push(
      `| ${i + 1} | ${c.kind} | ${c.count} | ${c.share} | ${cell(whereText(c))} | ${cell(describeCause(c))} | ${cell(impactText(c))} | ${c.confidence} | \`${cell(c.suggestion).replace(/`/g, "'")}\` |`,
    ),
  );
  return out;
}

/** A diagnosis for a person: one paragraph per cause, largest first. */
import { displayKey } from '../reconcilers/key.js';
import type { Cause, Diagnosis } from './types.js';

/** What a cause found, in words ("cloud = legacy × 12", "cloud − legacy = 3600 s"). */
export function describeCause(c: Cause): string {
  const e = c.evidence;
  const on = c.field ? ` on ${c.field}` : '';
  switch (c.kind) {
    case 'unit_factor':
      return `unit factor${on}: cloud = legacy ${e.divisor ? `÷ ${e.divisor}` : e.factor ? `× ${e.factor}` : `× ${e.ratio}`}`;
    case 'time_shift':
      return `time shift${on}: cloud − legacy = ${e.seconds} s`;
    case 'code_substitution':
      return `code substitution${on}: legacy "${e.legacy}" shows as cloud "${e.cloud}"`;
    case 'batch_lag':
      return `batch lag: ${e.side} has rows from ${e.after} on ${e.field} that the ${e.side === 'legacy' ? 'cloud' : 'legacy'} side has not received`;
    case 'duplicate_posting':
      return `duplicate posting on the ${e.side} side`;
    case 'sign_flip':
      return `sign flip${on}: cloud = −legacy`;
    case 'rounding':
      return `rounding${on}: |difference| ≤ ${e.maxDelta}`;
    case 'padding_or_case':
      return `padding or case${on}: equal after ${e.transform}`;
    case 'null_vs_zero':
      return `null vs zero${on}: NULL on the ${e.nullSide} side, 0 on the other`;
  }
}

/** The `where` of a cause as text ("location = DC-WEST"), or ''. */
export function whereText(c: Cause): string {
  return Object.entries(c.where ?? {})
    .map(([k, v]) => `${k} = ${v}`)
    .join(', ');
}

/** The impact of a cause as text ("quantity -512880.000 on on_hand"), or ''. */
export function impactText(c: Cause): string {
  if (!c.impact) return '';
  return c.impact.amount !== undefined
    ? `amount ${c.impact.amount} on ${c.impact.field}`
    : `quantity ${c.impact.quantity} on ${c.impact.field}`;
}

/** `cutover diagnose RUN` without --json. */
export function renderDiagnosis(d: Diagnosis): string {
  if (d.differences === 0) return `Run ${d.runId} has no differences: nothing to diagnose.`;
  const lines = [
    `Run ${d.runId}: ${d.differences} differences, ${d.explained} explained by ${d.causes.length} cause${d.causes.length === 1 ? '' : 's'}, ${d.unexplained} unexplained.`,
  ];
  d.causes.forEach((c, i) => {
    lines.push('');
    lines.push(
      `${i + 1}. ${c.kind}: ${c.count} (${(Number(c.share) * 100).toFixed(2)}%), confidence ${c.confidence}`,
    );
    lines.push(`   ${describeCause(c)}${c.where ? `, where ${whereText(c)}` : ''}`);
    if (c.impact) lines.push(`   at stake: ${impactText(c)}`);
    lines.push(`   e.g. ${c.sampleKeys.map(displayKey).join('; ')}`);
    lines.push(`   suggestion: ${c.suggestion}`);
  });
  if (d.causes.length)
    lines.push(
      '',
      'Nothing was changed. Accept a cause with `cutover exceptions resolve --cause KIND --note TEXT`.',
    );
  return lines.join('\n');
}

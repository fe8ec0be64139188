import type { ReconcileSummary } from '../reconcilers/types.js';
import type { DomainExpected } from './demo-expected.js';

/**
 * Compares one reconcile summary with what the demo planted; returns each disagreement as a line
 * (none: the run found exactly the planted faults, and nothing the tolerances should absorb).
 */
export function checkAgainstExpected(run: ReconcileSummary, e: DomainExpected): string[] {
  const out: string[] = [];
  const c = run.counts;
  const pairs: [string, number | undefined, number][] = [
    ['legacy rows', c.legacy, e.legacyRows],
    ['cloud rows', c.cloud, e.cloudRows],
    ['matched', c.matched, e.matched],
    ['mismatched', c.mismatched, e.mismatched],
    ['missing in cloud', c.missingInCloud, e.missingInCloud],
    ['missing in legacy', c.missingInLegacy, e.missingInLegacy],
    ['duplicate keys', c.duplicateKeys, e.duplicateKeys],
  ];
  if (e.unbalancedJournals)
    pairs.push([
      'unbalanced journals',
      c.unbalancedJournals,
      e.unbalancedJournals.legacy + e.unbalancedJournals.cloud,
    ]);
  for (const [what, got, want] of pairs)
    if (got !== want) out.push(`${what}: reported ${got}, planted ${want}`);
  const fields = new Set([...Object.keys(run.fieldMismatches), ...Object.keys(e.fieldMismatches)]);
  for (const f of fields) {
    const got = run.fieldMismatches[f] ?? 0;
    const want = e.fieldMismatches[f] ?? 0;
    if (got !== want) out.push(`${f} mismatches: reported ${got}, planted ${want}`);
  }
  return out;
}

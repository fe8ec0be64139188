import type { ReconcileSummary } from '../reconcilers/types.js';
import type { DomainExpected, PlantedFault } from './demo-expected.js';

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

/**
 * Compares the causes a run's diagnosis named with those planted for its domain: each planted cause
 * with its exact count, parameters and where, and no cause that was not planted.
 */
export function checkCauses(run: ReconcileSummary, planted: readonly PlantedFault[]): string[] {
  const out: string[] = [];
  const want = planted.flatMap((p) => p.causes ?? []);
  const got = [...(run.causes ?? [])];
  for (const w of want) {
    const i = got.findIndex(
      (c) =>
        c.kind === w.kind &&
        c.field === w.field &&
        Object.entries(w.evidence).every(([k, v]) => c.evidence[k] === v),
    );
    const name = `${w.kind}${w.field ? ` on ${w.field}` : ''} ${JSON.stringify(w.evidence)}`;
    if (i < 0) {
      out.push(`cause ${name}: not named`);
      continue;
    }
    const c = got.splice(i, 1)[0]!;
    if (c.count !== w.count) out.push(`cause ${name}: explains ${c.count}, planted ${w.count}`);
    if (w.where && JSON.stringify(c.where) !== JSON.stringify(w.where))
      out.push(`cause ${name}: where ${JSON.stringify(c.where ?? {})}, planted ${JSON.stringify(w.where)}`);
  }
  for (const c of got) out.push(`cause ${c.kind}${c.field ? ` on ${c.field}` : ''} named, but not planted`);
  return out;
}

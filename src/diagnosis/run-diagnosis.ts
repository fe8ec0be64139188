/** `cutover diagnose RUN`: diagnose a stored reconcile run and keep its causes with it. */
import type { Mapping } from '../config/mapping-schema.js';
import type { ControlStore } from '../store/control-store.js';
import { getRun } from '../store/runs.js';
import { finishedSummary } from '../store/finished-summary.js';
import { diagnoseRun } from './cause-store.js';
import type { Diagnosis } from './types.js';

/** Fields that hold money in a mapping (they declare a currency). */
export function moneyFieldsOf(mapping: Mapping | undefined): Set<string> {
  return new Set(
    Object.entries(mapping?.fields ?? {})
      .filter(([, f]) => f.currency !== undefined)
      .map(([name]) => name),
  );
}

/** A mapping's decimal and integer fields (the measures an impact is taken on). */
export function measureFieldsOf(mapping: Mapping | undefined): Set<string> | undefined {
  if (!mapping) return undefined;
  return new Set(
    Object.entries(mapping.fields)
      .filter(([, f]) => f.type === 'decimal' || f.type === 'integer')
      .map(([name]) => name),
  );
}

/**
 * Diagnoses reconcile run `runId` and records its causes in the run's summary too, so `runs show`
 * and later reports list them. An unknown id, and a run that did not finish (running, interrupted,
 * ended in an error: no summary, and what differences it stored are part of a night), are a
 * UsageError, as for `report`; a run stopped at --max-differences is diagnosed on what it recorded.
 * `mapping`, when the run's mapping can still be read, tells money from quantities.
 */
export async function diagnoseStoredRun(
  store: ControlStore,
  runId: string,
  mapping?: Mapping,
): Promise<Diagnosis> {
  const run = await getRun(store, runId, 'reconcile');
  const summary = finishedSummary(run, 'diagnose');
  const diagnosis = await diagnoseRun(store, run.id, {
    moneyFields: moneyFieldsOf(mapping),
    measureFields: measureFieldsOf(mapping),
  });
  await store
    .knex('cutover_runs')
    .where({ id: run.id })
    .update({ summary: JSON.stringify({ ...summary, causes: diagnosis.causes }) });
  return diagnosis;
}

/**
 * Causes kept with their run in the control store: the causes themselves (`cutover_causes`) and,
 * on each explained difference, its cause's kind. Diagnosing a run again replaces both.
 */
import type { ControlStore } from '../store/control-store.js';
import { streamDifferences, type DifferenceSource } from '../store/differences.js';
import { diagnose, type DiagnosisResult } from './diagnose.js';
import type { Cause, Diagnosis } from './types.js';

const SEQS_PER_UPDATE = 500;

/** Diagnoses a run from its stored differences and stores the causes with it. */
export async function diagnoseRun(
  store: ControlStore,
  runId: string,
  opts: {
    moneyFields?: ReadonlySet<string>;
    measureFields?: ReadonlySet<string>;
    /** The run's differences read whole (differencesFromFile); else read from the store. */
    differences?: DifferenceSource;
    /** The diagnosis already under way (diagnoseOnThread): only stored here. */
    diagnosed?: Promise<DiagnosisResult>;
  } = {},
): Promise<Diagnosis> {
  // A thread that failed (it could not read the run's file) gives way to a diagnosis here, whose
  // source falls back to the store; a fault in the diagnosis itself fails here the same way.
  const { diagnosis, members } =
    (await opts.diagnosed?.catch(() => undefined)) ??
    (await diagnose({
      runId,
      moneyFields: opts.moneyFields,
      measureFields: opts.measureFields,
      source: opts.differences ?? (() => streamDifferences(store, runId)),
    }));
  await store.knex.transaction(async (trx) => {
    await trx('cutover_causes').where({ run_id: runId }).delete();
    await trx('cutover_differences').where({ run_id: runId }).whereNotNull('cause').update({ cause: null });
    for (const [i, cause] of diagnosis.causes.entries()) {
      await trx('cutover_causes').insert({
        run_id: runId,
        rank: i + 1,
        kind: cause.kind,
        field: cause.field ?? null,
        count: cause.count,
        body: JSON.stringify(cause),
      });
      const seqs = members[i]!;
      for (let j = 0; j < seqs.length; j += SEQS_PER_UPDATE)
        await trx('cutover_differences')
          .where({ run_id: runId })
          .whereIn('seq', seqs.slice(j, j + SEQS_PER_UPDATE))
          .update({ cause: cause.kind });
    }
  });
  return diagnosis;
}

/** The causes stored for a run, by rank. */
export async function storedCauses(store: ControlStore, runId: string): Promise<Cause[]> {
  const rows = (await store.knex('cutover_causes').where({ run_id: runId }).orderBy('rank')) as {
    body: string;
  }[];
  return rows.map((r) => JSON.parse(r.body) as Cause);
}

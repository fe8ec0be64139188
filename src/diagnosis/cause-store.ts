/**
 * Causes kept with their run in the control store: the causes themselves (`cutover_causes`) and,
 * for each explained difference, its cause's kind (`cutover_difference_causes`, with the
 * difference's kind and key text for the queue's `--cause` filter). Diagnosing a run again replaces
 * both.
 */
import type { ControlStore } from '../store/control-store.js';
import {
  DIFFERENCE_CAUSES_TABLE,
  DIFFERENCES_TABLE,
  streamDifferences,
  type DifferenceSource,
} from '../store/differences.js';
import { diagnose, type DiagnosisResult } from './diagnose.js';
import type { Cause, Diagnosis } from './types.js';

/** A cause's differences travel as one JSON parameter per this many seqs (`jsonRows`). */
const SEQS_PER_INSERT = 5000;

/**
 * One statement per batch of a cause's differences: their kind and key text read from each stored
 * difference by its primary key (the batch first in the join, as in the queue's staging). A
 * difference has at most one cause (the diagnosis's assign); were one given two, the first stays
 * rather than the run failing as it records its causes.
 */
function explainedSql(store: ControlStore): string {
  return `INSERT INTO ${DIFFERENCE_CAUSES_TABLE} (run_id, seq, cause, type, key_text)
    SELECT d.run_id, d.seq, ?, d.type, d.key_text FROM ${store.db.jsonRows([['seq', 'integer']])}
    CROSS JOIN ${DIFFERENCES_TABLE} d WHERE d.run_id = ? AND d.seq = j.seq ON CONFLICT DO NOTHING`;
}

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
    await trx(DIFFERENCE_CAUSES_TABLE).where({ run_id: runId }).delete();
    const sql = explainedSql(store);
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
      for (let j = 0; j < seqs.length; j += SEQS_PER_INSERT) {
        const batch = seqs.slice(j, j + SEQS_PER_INSERT).map((seq) => ({ seq }));
        await trx.raw(sql, [cause.kind, JSON.stringify(batch), runId]);
      }
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

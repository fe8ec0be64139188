import type { Knex } from 'knex';
import type { ControlStore } from '../store/control-store.js';
import type { WriteDriver } from '../adapters/types.js';
import type { Mapping } from '../config/mapping-schema.js';
import type { CanonicalValue, Difference } from '../reconcilers/types.js';
import { decodeKey } from '../reconcilers/key.js';
import { streamDifferences, type QueueFields } from '../store/differences.js';
import { currentUser } from '../store/runs.js';
import { sizeSeverity, varianceOf } from './severity.js';
import { withTransaction } from './tx.js';
import { reconcileKinds, type ExceptionKind } from './types.js';

const READ_BATCH = 5000;
const STAGE = 'cutover_exception_stage';

export interface SyncCounts {
  opened: number;
  updated: number;
  resolved: number;
  reopened: number;
  /** Ignored items seen again: they stay ignored, their last seen and occurrences move. */
  ignored: number;
}

/**
 * The statement that stages differences recorded without their queue fields (by a cutover before
 * the store's migration 007): a batch's rows travel as ONE JSON parameter (seq, key JSON, variance,
 * severity) that the database expands and joins back to cutover_differences for the kind, key text
 * and body, so a batch of thousands is one round trip and no per-row SQL. The batch comes first in
 * the join (CROSS JOIN fixes SQLite's loop order: the batch outside, a primary-key lookup inside).
 */
function stageBodiesSql(db: WriteDriver): string {
  const batch = db.jsonRows([
    ['seq', 'integer'],
    ['key_json', 'text'],
    ['variance', 'text'],
    ['size_severity', 'text'],
  ]);
  return `${STAGE_INTO} SELECT d.type, d.key_text, j.key_json, d.body, j.variance, j.size_severity FROM ${batch} CROSS JOIN cutover_differences d WHERE d.run_id = ? AND d.seq = j.seq ON CONFLICT DO NOTHING`;
}

/** The staged rows with no item yet (`WHERE true` instead: SQLite reads `FROM t ON CONFLICT` as a join). */
const NEW_ITEMS_ONLY = `NOT EXISTS (SELECT 1 FROM cutover_exceptions e WHERE e.mapping = ? AND e.kind = s.kind AND e.key_text = s.key_text)`;

const STAGE_INTO = `INSERT INTO ${STAGE} (kind, key_text, key_json, details, variance, size_severity)`;

/**
 * What the queue needs of a difference beside its body, stored with it as it is recorded
 * (DifferenceWriter): its key as JSON, its variance and its size severity; undefined for a kind the
 * queue does not hold.
 */
export function queueFields(diff: Difference, mapping: Mapping): QueueFields | undefined {
  if (!(reconcileKinds as readonly string[]).includes(diff.type)) return undefined;
  const variance = varianceOf(diff, mapping);
  return {
    key_json: JSON.stringify(diff.key),
    variance,
    size_severity: sizeSeverity(diff.type as ExceptionKind, variance, mapping.thresholds),
  };
}

/**
 * Loads the run's differences into the staging table so that of a run's differences of one kind and
 * key the first (by seq) is the one staged. Those recorded with their queue fields (every reconcile
 * run's since migration 007) in one statement, in key order: the staging table's key and then the
 * queue's unique index (mapping, key, kind) are filled in order, not at pages scattered by the run's
 * partition order (1M differences: staging 3.4 s against 4.6 s, the new items' insert 3.2 s against
 * 7.2 s; 100k: the insert 0.17–0.19 s against 0.30–0.33 s), and a night's new items take their ids
 * in key order. Any recorded without them, from their bodies, in batches, in seq order. A run is
 * recorded by one DifferenceWriter, so its differences all have the fields or none has (were both
 * kinds in one run, those with them would be staged first). Returns how many rows it staged.
 */
async function stage(
  trx: Knex,
  store: ControlStore,
  runId: string,
  mapping: Mapping,
  fieldsRecorded: boolean,
): Promise<number> {
  const db = store.db;
  let staged = db.affectedRows(
    await trx.raw(
      `${STAGE_INTO} SELECT d.type, d.key_text, d.key_json, d.body, d.variance, d.size_severity FROM cutover_differences d WHERE d.run_id = ? AND d.size_severity IS NOT NULL ORDER BY d.key_text, d.type, d.seq ON CONFLICT DO NOTHING`,
      [runId],
    ),
  );
  // The search for differences without them reads every row of the run (its body too): ~25 ms at
  // 100k differences of the bench's width, ~120 ms at 5 KB a difference.
  if (fieldsRecorded) return staged;
  const sql = stageBodiesSql(db);
  let batch: ({ seq: number } & QueueFields)[] = [];
  const flush = async () => {
    staged += db.affectedRows(await trx.raw(sql, [JSON.stringify(batch), runId]));
    batch = [];
  };
  for await (const { seq, diff } of streamDifferences(store, runId, {
    knex: trx,
    pageSize: READ_BATCH,
    withoutQueueFields: true,
  })) {
    const fields = queueFields(diff, mapping);
    if (!fields) continue; // a kind the queue does not hold
    batch.push({ seq, ...fields });
    if (batch.length >= READ_BATCH) await flush();
  }
  if (batch.length) await flush();
  return staged;
}

/**
 * Brings the exception queue in line with one reconcile run of `mapping`, whose differences are in
 * cutover_differences. Set-based: the run's differences are staged in a temporary table, then a few
 * statements join it with the queue. New (mapping, key, kind) → opened; open/assigned → updated
 * (last seen, occurrences, current values); resolved → reopened; ignored → stays ignored (last seen
 * and occurrences move). Open/assigned items of the mapping the run did not see → resolved by it —
 * unless `partial` (a --since/--until window saw only part of the data, so absence proves nothing).
 * Running it twice for the same run changes nothing the second time.
 */
export async function syncReconcileExceptions(
  store: ControlStore,
  args: {
    mapping: Mapping;
    runId: string;
    now?: Date;
    partial?: boolean;
    user?: string;
    /**
     * A recheck: the run read only these items' keys, so only they can be resolved by it (those of
     * them it no longer sees); every other item of the mapping is left as it is.
     */
    onlyIds?: readonly number[];
    /** Keys (key_text) the run left out (a settle window): their items are not resolved by it. */
    keepKeys?: readonly string[];
    /**
     * Every difference of the run was stored with its queue fields (reconcile's DifferenceWriter with
     * queueFields): none is looked for without them.
     */
    fieldsRecorded?: boolean;
  },
): Promise<SyncCounts> {
  const { mapping, runId } = args;
  const now = (args.now ?? new Date()).toISOString();
  const who = currentUser(args.user);
  const name = mapping.name;
  return withTransaction(store, async (trx) => {
    await trx.raw(`DROP TABLE IF EXISTS ${STAGE}`);
    await trx.raw(
      `CREATE TEMPORARY TABLE ${STAGE} (kind VARCHAR(30) NOT NULL, key_text TEXT NOT NULL, key_json TEXT, details TEXT, variance VARCHAR(60), size_severity VARCHAR(10) NOT NULL, PRIMARY KEY (kind, key_text))`,
    );
    try {
      const staged = await stage(trx, store, runId, mapping, args.fieldsRecorded === true);
      await store.db.analyze(trx, STAGE);
      // Whether an item already carries this run as its last (the run synced before): the updates
      // below skip those, so only then can an item exist for a staged row none of them counted.
      const resynced =
        (await trx('cutover_exceptions').where('last_run_id', runId).first('id')) !== undefined;
      const join = `FROM ${STAGE} s WHERE e.mapping = ? AND e.kind = s.kind AND e.key_text = s.key_text AND (e.last_run_id IS NULL OR e.last_run_id <> ?)`;
      const seenAgain = `last_seen = ?, occurrences = e.occurrences + 1, details = s.details, key_json = s.key_json, variance = s.variance, size_severity = s.size_severity, last_run_id = ?, updated_at = ?, version = e.version + 1`;

      // Items still there: history only when their values moved, so a quiet night adds no rows.
      await trx.raw(
        `INSERT INTO cutover_exception_history (exception_id, at, who, action, from_status, to_status, note, run_id)
         SELECT e.id, ?, ?, 'updated', e.status, e.status, ?, ? FROM cutover_exceptions e JOIN ${STAGE} s
           ON e.kind = s.kind AND e.key_text = s.key_text
         WHERE e.mapping = ? AND e.status IN ('open', 'assigned', 'ignored')
           AND (e.last_run_id IS NULL OR e.last_run_id <> ?) AND (e.details IS NULL OR e.details <> s.details)`,
        [now, who, `values changed in run ${runId}`, runId, name, runId],
      );
      const updated = store.db.affectedRows(
        await trx.raw(
          `UPDATE cutover_exceptions AS e SET ${seenAgain} ${join} AND e.status IN ('open', 'assigned')`,
          [now, runId, now, name, runId],
        ),
      );
      const ignored = store.db.affectedRows(
        await trx.raw(`UPDATE cutover_exceptions AS e SET ${seenAgain} ${join} AND e.status = 'ignored'`, [
          now,
          runId,
          now,
          name,
          runId,
        ]),
      );

      // Resolved items that came back: an update only when the history found some.
      const cameBack = store.db.affectedRows(
        await trx.raw(
          `INSERT INTO cutover_exception_history (exception_id, at, who, action, from_status, to_status, note, run_id)
         SELECT e.id, ?, ?, 'reopened', 'resolved', 'open', ?, ? FROM cutover_exceptions e JOIN ${STAGE} s
           ON e.kind = s.kind AND e.key_text = s.key_text
         WHERE e.mapping = ? AND e.status = 'resolved' AND (e.last_run_id IS NULL OR e.last_run_id <> ?)`,
          [now, who, `seen again in run ${runId}`, runId, name, runId],
        ),
      );
      const reopened = cameBack
        ? store.db.affectedRows(
            await trx.raw(
              `UPDATE cutover_exceptions AS e SET ${seenAgain}, status = 'open', assignee = NULL, resolved_by_run = NULL ${join} AND e.status = 'resolved'`,
              [now, runId, now, name, runId],
            ),
          )
        : 0;

      // Items the run no longer sees: every item it saw carries its id as last run by now (seen
      // again or reopened above), so no search of the staged rows. Before the new ones are opened,
      // which it would otherwise read through to find none of them gone (~45 ms at 100k).
      let resolved = 0;
      if (!args.partial) {
        const only =
          (args.onlyIds ? ` AND e.id IN (SELECT j.id FROM ${store.db.jsonRows([['id', 'integer']])})` : '') +
          (args.keepKeys
            ? ` AND e.key_text NOT IN (SELECT j.key_text FROM ${store.db.jsonRows([['key_text', 'text']])})`
            : '');
        const gone = `FROM cutover_exceptions e WHERE e.mapping = ? AND e.status IN ('open', 'assigned')
          AND e.kind IN (${reconcileKinds.map(() => '?').join(', ')})
          AND (e.last_run_id IS NULL OR e.last_run_id <> ?)${only}`;
        const goneArgs: string[] = [name, ...reconcileKinds, runId];
        if (args.onlyIds) goneArgs.push(JSON.stringify(args.onlyIds.map((id) => ({ id }))));
        if (args.keepKeys) goneArgs.push(JSON.stringify(args.keepKeys.map((key_text) => ({ key_text }))));
        // The history first: the update runs only when it found some.
        const goneItems = store.db.affectedRows(
          await trx.raw(
            `INSERT INTO cutover_exception_history (exception_id, at, who, action, from_status, to_status, note, run_id)
             SELECT e.id, ?, ?, 'resolved', e.status, 'resolved', ?, ? ${gone}`,
            [now, who, `not seen in run ${runId}`, runId, ...goneArgs],
          ),
        );
        if (goneItems)
          resolved = store.db.affectedRows(
            await trx.raw(
              `UPDATE cutover_exceptions SET status = 'resolved', resolved_by_run = ?, updated_at = ?, version = version + 1
               WHERE id IN (SELECT e.id ${gone})`,
              [runId, now, ...goneArgs],
            ),
          );
      }
      // New ones. Their history rows: the items this run first saw (a re-sync of the run inserts none).
      // None when every staged row was an item seen again (one item per kind and key): a quiet
      // night's run skips the search. When none was seen again and the run is new to the queue, no
      // staged row has an item (every status is counted above), so none is searched for (the insert
      // of 100k new items 0.27–0.30 s against 0.44–0.48 s, before staging in key order); else the
      // search keeps rows that would only conflict out of the insert (each conflict would take an
      // id, in SQLite's AUTOINCREMENT and PostgreSQL's sequence alike).
      const counted = updated + ignored + reopened;
      const searched = counted > 0 || resynced;
      const opened =
        counted === staged
          ? 0
          : store.db.affectedRows(
              await trx.raw(
                `INSERT INTO cutover_exceptions (kind, mapping, key_text, key_json, details, status, size_severity, variance,
             first_seen, last_seen, occurrences, attempts, first_run_id, last_run_id, updated_at, version)
           SELECT s.kind, ?, s.key_text, s.key_json, s.details, 'open', s.size_severity, s.variance, ?, ?, 1, 0, ?, ?, ?, 1
           FROM ${STAGE} s WHERE ${searched ? NEW_ITEMS_ONLY : 'true'}
           ON CONFLICT (mapping, key_text, kind) DO NOTHING`,
                [name, now, now, runId, runId, now, ...(searched ? [name] : [])],
              ),
            );
      if (opened)
        await trx.raw(
          `INSERT INTO cutover_exception_history (exception_id, at, who, action, from_status, to_status, note, run_id)
           SELECT e.id, ?, ?, 'opened', NULL, 'open', ?, ? FROM cutover_exceptions e
           WHERE e.first_run_id = ? AND e.mapping = ? AND e.occurrences = 1`,
          [now, who, `first seen in run ${runId}`, runId, runId, name],
        );

      return { opened, updated, resolved, reopened, ignored };
    } finally {
      // After a failed statement PostgreSQL refuses this until rollback, which drops the table anyway.
      await trx.raw(`DROP TABLE IF EXISTS ${STAGE}`).catch(() => undefined);
    }
  });
}

/** An open reconcile item of a mapping: what a recheck reads again. */
export interface OpenItem {
  id: number;
  key: Record<string, CanonicalValue>;
}

/** The kinds a recheck reads again: a row's key says all about them (an unbalanced journal's does not). */
export const recheckKinds = ['mismatch', 'missing_in_cloud', 'missing_in_legacy', 'duplicate_key'] as const;

/**
 * The open and assigned row-level reconcile items of a mapping (ignored and resolved ones are not
 * rechecked), with their canonical keys decoded from key_text.
 */
export async function openReconcileItems(store: ControlStore, mapping: Mapping): Promise<OpenItem[]> {
  const rows = (await store
    .knex('cutover_exceptions')
    .select('id', 'key_text')
    .where('mapping', mapping.name)
    .whereIn('status', ['open', 'assigned'])
    .whereIn('kind', [...recheckKinds])
    .orderBy('id')) as { id: number | string; key_text: string }[];
  return rows.map((r) => ({ id: Number(r.id), key: decodeKey(r.key_text, mapping.key) }));
}

/**
 * What a recorded reconcile run does to certifications: it supersedes the mapping's standing
 * certifications (prepared or approved) of earlier runs when its figures moved beyond materiality
 * (supersede-rule.ts), and, with cutover.yaml `signoff: { autoPrepare: immaterial }`, prepares
 * itself when it is within materiality. A windowed run or a recheck saw only part of the data: it
 * does neither.
 */
import type { Knex } from 'knex';
import type { ControlStore } from '../store/store-types.js';
import type { ReconcileSummary, SignoffNote } from '../reconcilers/types.js';
import { currentUser, getRun } from '../store/runs.js';
import {
  latestSignoffOfMapping,
  standingSignoffs,
  updateSignoff,
  type SignoffRecord,
} from '../store/signoffs.js';
import { supersedeReason, type RunFigures } from './supersede-rule.js';
import { autoPrepare } from './workflow.js';

/** cutover.yaml `signoff:`. */
export interface SignoffSettings {
  /** `immaterial`: a run within materiality is prepared by `cutover (auto)`; a person still approves it. */
  autoPrepare?: 'immaterial' | 'off';
}

/** A certification as the reports show it. */
export function signoffNote(s: SignoffRecord): SignoffNote {
  return {
    runId: s.runId,
    status: s.status,
    preparer: s.preparer,
    preparedAt: s.preparedAt,
    reviewer: s.reviewer,
    reviewedAt: s.reviewedAt,
    reason: s.reason,
    supersededBy: s.supersededBy,
    supersededAt: s.supersededAt,
  };
}

/**
 * Applies a just-recorded run to the certifications of its mapping; returns what the run's reports
 * show (the mapping's latest certification, and the runs it superseded), or undefined when the
 * mapping has never been certified.
 */
export async function certifyAfterRun(
  store: ControlStore,
  summary: ReconcileSummary,
  settings: SignoffSettings = {},
): Promise<ReconcileSummary['signoff']> {
  // A windowed run or a recheck saw only part of the data: it neither supersedes nor prepares.
  if (summary.window || summary.recheck) return latestOf(store, summary.name, []);
  const later: RunFigures = summary;
  const standing = (await standingSignoffs(store.knex, summary.name)).filter(
    (s) => s.runId !== summary.runId,
  );
  const toSupersede: { s: SignoffRecord; why: string }[] = [];
  for (const s of standing) {
    const run = await getRun(store, s.runId);
    const why = supersedeReason({ ...(run.summary as RunFigures), runId: run.id, status: run.status }, later);
    if (why) toSupersede.push({ s, why });
  }
  const immaterial = summary.status !== 'stopped' && summary.materiality?.material === false;
  const auto = settings.autoPrepare === 'immaterial' && immaterial;
  if (!toSupersede.length && !auto) return latestOf(store, summary.name, []);
  const who = currentUser();
  const superseded: string[] = [];
  await store.db.exclusiveTransaction(async (ex: Knex) => {
    const at = new Date().toISOString();
    for (const { s, why } of toSupersede) {
      const ok = await updateSignoff(
        ex,
        s,
        { status: 'superseded', supersededBy: summary.runId, supersededAt: at },
        {
          at,
          who,
          action: 'supersede',
          note: `superseded by run ${summary.runId}: ${why}`,
          detail: { run: summary.runId, was: s.status },
        },
      );
      if (ok) superseded.push(s.runId);
    }
    if (auto)
      await autoPrepare(ex, {
        runId: summary.runId,
        mapping: summary.name,
        note: `auto-prepared: within materiality (absolute difference ${summary.materiality!.absDifference})`,
        detail: { material: false, absDifference: summary.materiality!.absDifference },
      });
  });
  return latestOf(store, summary.name, superseded);
}

async function latestOf(
  store: ControlStore,
  mapping: string,
  superseded: string[],
): Promise<ReconcileSummary['signoff']> {
  const latest = await latestSignoffOfMapping(store.knex, mapping);
  if (!latest && !superseded.length) return undefined;
  return { ...(latest ? { latest: signoffNote(latest) } : {}), superseded };
}

/**
 * The open material items of a run: when the run is material (NOT within materiality, or with
 * differences and no materiality set), every open or assigned reconcile item of its mapping that the
 * run saw last. Preparing such a run needs a note on each, or --accept-open.
 */
import type { Knex } from 'knex';
import { reconcileKinds } from '../exceptions/types.js';
import { formatId } from '../exceptions/ids.js';
import type { RunFigures } from './supersede-rule.js';

/** Is the run material, for sign-off? */
export function isMaterialRun(run: RunFigures): boolean {
  if (run.materiality) return run.materiality.material;
  return run.status !== 'clean';
}

/** The ids (`X-000123`) of the run's open material items, in id order; none when the run is immaterial. */
export async function openMaterialItems(ex: Knex, run: RunFigures & { name: string }): Promise<string[]> {
  if (!isMaterialRun(run)) return [];
  const rows = (await ex('cutover_exceptions')
    .where({ mapping: run.name, last_run_id: run.runId })
    .whereIn('status', ['open', 'assigned'])
    .whereIn('kind', [...reconcileKinds])
    .orderBy('id')
    .select('id')) as { id: number | string }[];
  return rows.map((r) => formatId(Number(r.id)));
}

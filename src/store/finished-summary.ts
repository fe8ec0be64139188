/** The summary of a reconcile run that finished: what `report` writes and `diagnose` explains. */
import { UsageError } from '../errors.js';
import type { ReconcileSummary } from '../reconcilers/types.js';
import type { RunRecord } from './runs.js';

/** Why a reconcile run that did not finish (clean, differences or stopped) has no summary. */
function whyUnfinished(run: RunRecord): string {
  if (run.status === 'interrupted') return 'it was interrupted (its process ended before the run did)';
  if (run.status === 'error') return `it ended in an error (\`cutover runs show ${run.id}\` says which)`;
  return `its status is ${run.status}`;
}

/**
 * The summary of stored run `run`, or a UsageError (exit 2) saying why there is none to `doing`
 * ("report on", "diagnose") and what to do: a reconcile run still running, interrupted or ended in
 * an error never recorded its figures (whatever differences it stored are part of a night), and a
 * replay or rollback run has none. A run stopped at --max-differences has one: its first N
 * differences are kept to find what is wrong (docs/signoff.md).
 */
export function finishedSummary(run: RunRecord, doing: string): ReconcileSummary {
  const summary = run.summary as ReconcileSummary | null;
  if (summary && typeof summary === 'object' && 'counts' in summary && 'systems' in summary) return summary;
  const none = `so it has no reconciliation summary to ${doing}`;
  if (run.command !== 'reconcile' && run.command !== 'recheck')
    throw new UsageError(
      `Run "${run.id}" is a ${run.command} run (status ${run.status}), ${none}.`,
      'Only reconcile runs have one; `cutover runs list --command reconcile` lists them.',
    );
  const of = run.name ? ` of ${run.name}` : '';
  if (run.status === 'running')
    throw new UsageError(
      `Run "${run.id}" (${run.command}${of}) has not finished: it is still running, ${none}.`,
      `Wait for it to finish (\`cutover runs show ${run.id}\` shows its status), then run this again.`,
    );
  const again = `cutover reconcile ${run.name ?? 'NAME'}${run.command === 'recheck' ? ' --recheck' : ''}`;
  throw new UsageError(
    `Run "${run.id}" (${run.command}${of}) did not finish: ${whyUnfinished(run)}, ${none}.`,
    `Run \`${again}\` again and use the new run (\`cutover runs list${run.name ? ` --name ${run.name}` : ''}\` lists it).`,
  );
}

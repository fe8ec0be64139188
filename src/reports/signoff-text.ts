/** The certification line of a run's reports (workbook Summary, Markdown): who signed what off, and when. */
import type { ReconcileSummary, SignoffNote } from '../reconcilers/types.js';

function noteText(n: SignoffNote, thisRun: string): string {
  const run = n.runId === thisRun ? 'this run' : `run ${n.runId}`;
  const parts = [`prepared by ${n.preparer} at ${n.preparedAt}`];
  if (n.reviewer) parts.push(`${n.status === 'rejected' ? 'rejected' : 'approved'} by ${n.reviewer} at ${n.reviewedAt}`);
  if (n.reason) parts.push(`reason ${n.reason}`);
  if (n.supersededBy)
    parts.push(
      `superseded by ${n.supersededBy === thisRun ? 'this run' : `run ${n.supersededBy}`} at ${n.supersededAt} (its figures moved beyond materiality)`,
    );
  return `${n.status.toUpperCase()}: ${run}, ${parts.join('; ')}`;
}

/**
 * The lines a report shows for the run's `signoff`: the mapping's latest certification, then any other
 * certification this run superseded; none when the mapping was never certified.
 */
export function signoffLines(s: ReconcileSummary): string[] {
  const so = s.signoff;
  if (!so) return [];
  const lines = so.latest ? [noteText(so.latest, s.runId)] : [];
  const others = so.superseded.filter((r) => r !== so.latest?.runId);
  if (others.length) lines.push(`This run superseded the certification of ${others.map((r) => `run ${r}`).join(', ')}.`);
  return lines;
}

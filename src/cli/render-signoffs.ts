/** Sign-off results and lists for a person. */
import type { CertificationItem } from '../signoff/list.js';
import type { SignoffResult } from '../signoff/workflow.js';
import { table } from './text-table.js';

function cell(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

/** What prepare, approve or reject did, in one or two sentences. */
export function renderSignoffResult(r: SignoffResult): string {
  const s = r.signoff;
  if (r.action === 'prepare') {
    const open = r.openItems?.length
      ? ` ${r.openItems.length} open material item${r.openItems.length === 1 ? '' : 's'} (${r.openItems.join(', ')}) ${s.acceptedOpen ? 'accepted open' : 'noted'}.`
      : '';
    return `Prepared run ${s.runId} (${s.mapping}) for sign-off: ${s.preparer} at ${s.preparedAt}.${open}\nAnother person approves it: cutover signoff approve ${s.runId} --note "…"`;
  }
  if (r.action === 'approve')
    return `Approved run ${s.runId} (${s.mapping}): ${s.reviewer} at ${s.reviewedAt}; prepared by ${s.preparer} at ${s.preparedAt}.`;
  return `Rejected run ${s.runId} (${s.mapping}), reason ${s.reason}: ${s.reviewer} at ${s.reviewedAt}. It can be prepared again once fixed.`;
}

/** `signoff list` for a person: newest first, one line a certification. */
export function renderSignoffList(items: CertificationItem[], filtered: boolean): string {
  if (!items.length)
    return filtered
      ? 'No certifications match these filters (`cutover signoff list` shows them all).'
      : 'No run has been prepared for sign-off yet (`cutover signoff prepare RUN --note …`).';
  return table(
    [
      'RUN',
      'MAPPING',
      'STATUS',
      'PREPARED BY',
      'PREPARED AT',
      'REVIEWED BY',
      'REVIEWED AT',
      'REASON',
      'SUPERSEDED BY',
    ],
    items.map((s) => [
      s.runId,
      s.mapping,
      s.status + (s.acceptedOpen ? ' (open accepted)' : ''),
      s.preparer,
      s.preparedAt,
      cell(s.reviewer),
      cell(s.reviewedAt),
      cell(s.reason),
      cell(s.supersededBy),
    ]),
  );
}

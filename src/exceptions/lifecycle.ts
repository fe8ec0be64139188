import type { ExceptionKind, ExceptionStatus, TransitionAction } from './types.js';
import { replayKinds } from './types.js';

/**
 * The state machine of an exception (docs/exceptions.md has the same table):
 *
 * | action  | allowed from          | to        |
 * |---------|-----------------------|-----------|
 * | assign  | open, assigned        | assigned  |  (assigned → assigned is a reassignment)
 * | resolve | open, assigned        | resolved  |
 * | ignore  | open, assigned        | ignored   |
 * | reopen  | resolved, ignored     | open      |
 * | retry   | open, assigned        | unchanged |  (replay_failed / replay_parked only)
 *
 * Runs move items too: a reconcile run opens, updates, reopens (resolved → open) and resolves
 * (open|assigned → resolved) items; it never touches an ignored item's status.
 */
export const transitions: Record<
  TransitionAction,
  { from: readonly ExceptionStatus[]; to?: ExceptionStatus }
> = {
  assign: { from: ['open', 'assigned'], to: 'assigned' },
  resolve: { from: ['open', 'assigned'], to: 'resolved' },
  ignore: { from: ['open', 'assigned'], to: 'ignored' },
  reopen: { from: ['resolved', 'ignored'], to: 'open' },
  retry: { from: ['open', 'assigned'] },
};

/** Why `action` is refused for an item in `status` (with what to do instead), or undefined when it is allowed. */
export function refusal(
  action: TransitionAction,
  item: { id: string; status: ExceptionStatus; kind: ExceptionKind },
): string | undefined {
  const { id, status, kind } = item;
  if (action === 'retry' && !(replayKinds as readonly string[]).includes(kind))
    return `${id} is a ${kind} item; only replay items can be retried. A reconcile item closes itself when a run no longer sees the difference, or resolve it with \`cutover exceptions resolve ${id}\`.`;
  if (action === 'retry' && kind === 'rollback_conflict')
    return `${id} is a rollback conflict; it cannot be retried by replay. Fix the row by hand, then \`cutover exceptions resolve ${id} --note "..."\`.`;
  if (transitions[action].from.includes(status)) return undefined;
  const reopen = `\`cutover exceptions reopen ${id}\``;
  switch (action) {
    case 'assign':
      return `${id} is ${status}, so it cannot be assigned. Reopen it first (${reopen}) if it needs work again.`;
    case 'resolve':
      return status === 'resolved'
        ? `${id} is already resolved.`
        : `${id} is ignored, so it cannot be resolved. Reopen it first (${reopen}) if it needs work, or leave it ignored.`;
    case 'ignore':
      return status === 'ignored'
        ? `${id} is already ignored.`
        : `${id} is resolved, so there is nothing to ignore. Reopen it first (${reopen}) if the difference is back.`;
    case 'reopen':
      return `${id} is ${status}, not resolved or ignored, so there is nothing to reopen.${status === 'open' ? ` Assign it with \`cutover exceptions assign ${id} --to NAME\`.` : ''}`;
    case 'retry':
      return `${id} is ${status}, so it cannot be retried. Reopen it first (${reopen}).`;
  }
}

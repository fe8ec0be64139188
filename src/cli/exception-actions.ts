import { Args, Flags } from '@oclif/core';
import { currentUser } from '../store/runs.js';
import { UsageError } from '../errors.js';
import type { ActionRequest } from '../exceptions/bulk.js';
import { filterFlags, filterFromFlags } from './exception-flags.js';
import { confirm, interactive } from './prompt.js';
import type { TransitionAction } from '../exceptions/types.js';

/** The ids of assign/resolve/ignore/reopen: none for a bulk action by filter flags. */
export const idArgs = {
  id: Args.string({
    multiple: true,
    description: 'exception ids (X-000123 or 123); leave out to act on every item the filter flags match',
  }),
};

/** Flags of assign/resolve/ignore/reopen: the filters (for bulk), --note, --as, --yes. */
export const actionFlags = {
  ...filterFlags,
  note: Flags.string({ char: 'm', description: 'why: kept in the item’s history' }),
  as: Flags.string({ description: 'who is acting (default: $CUTOVER_USER, else the OS user)' }),
  yes: Flags.boolean({
    char: 'y',
    description: 'do a bulk action without asking (needed when not on a terminal)',
  }),
};

const verbs: Record<TransitionAction, [string, string]> = {
  assign: ['Assign', 'Assigned'],
  resolve: ['Resolve', 'Resolved'],
  ignore: ['Ignore', 'Ignored'],
  reopen: ['Reopen', 'Reopened'],
  retry: ['Retry', 'Retried'],
};

/** The request an action command makes from its parsed ids and flags. */
export function actionRequest(
  action: TransitionAction,
  ids: string[],
  flags: Parameters<typeof filterFromFlags>[0] & { note?: string; as?: string; yes?: boolean; to?: string },
  config?: Parameters<typeof filterFromFlags>[1],
): ActionRequest {
  const user = currentUser(flags.as);
  const filter = filterFromFlags(flags, config);
  let note = flags.note;
  if (filter.cause?.length && (action === 'resolve' || action === 'ignore')) {
    // Accepting a cause is a person's decision, recorded with their reason in each item's history.
    if (!note?.trim())
      throw new UsageError(
        `exceptions ${action} --cause needs --note: why the cause is accepted is kept in each item's history.`,
        `For example: cutover exceptions ${action} --cause ${filter.cause[0]} --note "pack sizes fixed in the load" --yes.`,
      );
    note = `accepted cause ${filter.cause.join(', ')} (by ${user}): ${note}`;
  }
  return {
    action,
    ids,
    filter,
    yes: Boolean(flags.yes),
    opts: { user, note, assignee: flags.to === 'me' ? user : flags.to },
    confirm: interactive()
      ? (n) =>
          confirm(`${verbs[action][0]} ${n} item${n === 1 ? '' : 's'}${flags.to ? ` to ${flags.to}` : ''}?`)
      : undefined,
  };
}

/** One line saying what an action did. */
export function renderAction(
  action: TransitionAction,
  result: { changed: number; ids: string[]; cancelled?: boolean },
): string {
  if (result.cancelled) return 'Cancelled; nothing was changed.';
  if (!result.changed) return `No items match; nothing was changed.`;
  const list =
    result.ids.length <= 10 ? `: ${result.ids.join(', ')}` : ` (${result.ids[0]} … ${result.ids.at(-1)})`;
  return `${verbs[action][1]} ${result.changed} item${result.changed === 1 ? '' : 's'}${list}.`;
}

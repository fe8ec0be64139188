import type { ControlStore } from '../store/control-store.js';
import { UsageError } from '../errors.js';
import { narrows } from './filter.js';
import { countForAction, transition, type TransitionOptions, type TransitionResult } from './transition.js';
import type { ExceptionFilter, TransitionAction } from './types.js';

export interface ActionRequest {
  action: TransitionAction;
  ids: string[];
  filter: ExceptionFilter;
  opts: TransitionOptions;
  /** --yes: a bulk action goes ahead without asking. */
  yes: boolean;
  /** Asks a person to confirm a bulk action touching `n` items; undefined when nobody can be asked. */
  confirm?: (n: number) => Promise<boolean>;
}

/**
 * One action by ids, or in bulk by filter. A bulk action says how many items it would touch and
 * needs a confirmation (or --yes when there is nobody to ask); ids and filters do not mix.
 */
export async function performAction(
  store: ControlStore,
  req: ActionRequest,
): Promise<TransitionResult & { mode: 'ids' | 'filter'; cancelled?: boolean }> {
  const bulk = narrows(req.filter);
  if (req.ids.length && bulk)
    throw new UsageError(
      `Give exception ids or filter flags to ${req.action}, not both.`,
      'Ids act on exactly those items; filters (--mapping, --kind, --status...) act on every item that matches.',
    );
  if (req.ids.length) return { ...(await transition(store, req.ids, req.action, req.opts)), mode: 'ids' };
  if (!bulk)
    throw new UsageError(
      `Name the items to ${req.action}: one or more ids (X-000123), or filter flags for a bulk action.`,
      `For example \`cutover exceptions ${req.action} X-000123\` or \`cutover exceptions ${req.action} --mapping refunds --kind missing_in_cloud --yes\`.`,
    );
  const n = await countForAction(store, req.filter, req.action);
  if (n === 0) return { changed: 0, ids: [], mode: 'filter' };
  if (!req.yes) {
    if (!req.confirm)
      throw new UsageError(
        `This would ${req.action} ${n} item${n === 1 ? '' : 's'} and there is no terminal to confirm it on.`,
        'Add --yes to go ahead from a script.',
      );
    if (!(await req.confirm(n))) return { changed: 0, ids: [], mode: 'filter', cancelled: true };
  }
  return { ...(await transition(store, req.filter, req.action, req.opts)), mode: 'filter' };
}

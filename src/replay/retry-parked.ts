import type { LoadedConfig } from '../config/load-config.js';
import type { ControlStore } from '../store/control-store.js';
import type { Adapter } from '../adapters/types.js';
import type { Logger } from '../util/logger.js';
import type { ExceptionRecord } from '../exceptions/types.js';
import { loadEventsMapping } from '../config/events-schema.js';
import { getException, listExceptions, transition } from '../exceptions/queue.js';
import { UsageError } from '../errors.js';
import { checkTargets, openTarget, type Target } from './targets.js';
import { ensureLedger } from './ledger.js';
import { ensureHttpLedger } from './apply-http.js';
import { applyItems, type ExecContext } from './executor.js';
import { loadWriteColumns } from './write-values.js';
import { recordChainFailure, type ChainDetails } from './failures.js';

export interface RetryResult {
  key: string;
  runId: string;
  status: 'resolved' | 'failed';
  applied: number;
  alreadyApplied: number;
  failed: number;
  parked: number;
  resolved: string[];
  /** The items of this key still open (or assigned) afterwards: what the failure is tracked by. */
  open: string[];
  failedEvent?: string | null;
  error?: string;
}

/**
 * `cutover exceptions retry ID` for replay items: re-applies a key's failed event (unless a person
 * ignored or resolved it) and then the chain parked behind it, in order, under the original run
 * id and ledger. All applied → both items are resolved; a failure updates them (attempts, error)
 * and re-parks whatever is still behind it.
 */
export async function retryParkedChain(opts: {
  config: LoadedConfig;
  store: ControlStore;
  id: string;
  user: string;
  attempts: number;
  openAdapter: (name: string) => Promise<Adapter>;
  logger: Logger;
  note?: string;
}): Promise<RetryResult> {
  const { store } = opts;
  const item = await getException(store, opts.id);
  if (item.kind !== 'replay_failed' && item.kind !== 'replay_parked')
    throw new UsageError(
      `${item.id} is a ${item.kind} item; only replay_failed and replay_parked items can be retried.`,
      item.kind === 'rollback_conflict'
        ? 'Once the row is sorted out, make a new plan (`cutover rollback plan --run RUN`) and resolve the item by hand.'
        : 'A reconcile item closes itself when a run no longer sees the difference.',
    );
  await transition(store, [item.id], 'retry', { user: opts.user, note: opts.note ?? 'retry requested' });
  const siblings = await keyItems(store, item);
  const failedItem = siblings.find((x) => x.kind === 'replay_failed');
  const parkedItem = siblings.find((x) => x.kind === 'replay_parked' && isOpen(x));
  const details = ((parkedItem ?? failedItem ?? item).details ?? {}) as ChainDetails;
  if (!details.failed || !details.runId)
    throw new UsageError(
      `${item.id} holds no replay chain to retry.`,
      'It was recorded by an older cutover; replay the source again instead.',
    );
  const failedOpen = failedItem && isOpen(failedItem);
  const chain = [...(failedOpen ? [details.failed] : []), ...(parkedItem ? (details.parked ?? []) : [])];

  const mapping = await loadEventsMapping(details.mappingFile, opts.config);
  const override = details.target ?? undefined;
  const targetNames = checkTargets(opts.config, mapping, override);
  const targets = new Map<string, Target>();
  for (const name of targetNames) {
    const t = await openTarget(name, opts.openAdapter, 1, () => undefined);
    if (t.kind === 'db') await ensureLedger(t.db);
    else await ensureHttpLedger(store.db);
    targets.set(name, t);
  }
  const ctx: ExecContext = {
    mapping,
    targets,
    targetOverride: override,
    store,
    runId: details.runId,
    attempts: opts.attempts,
    logger: opts.logger,
    columns: await loadWriteColumns(mapping, targets, new Set(Object.keys(mapping.events)), override),
  };
  const result: RetryResult = {
    key: item.keyText,
    runId: details.runId,
    status: 'resolved',
    applied: 0,
    alreadyApplied: 0,
    failed: 0,
    parked: 0,
    resolved: [],
    open: [],
  };
  for (let n = 0; n < chain.length; n++) {
    const link = chain[n]!;
    // A stored item never carries `accepted`: it is validated again, against the mapping as it is now.
    const [o] = await applyItems(ctx, [link.item]);
    if (o!.status === 'failed') {
      const rest = chain.slice(n + 1);
      result.status = 'failed';
      result.failed = 1;
      result.parked = rest.length;
      result.error = o!.error;
      await recordChainFailure(store, mapping.name, {
        ...details,
        key: item.keyText,
        failed: {
          eventId: link.eventId,
          type: o!.event?.type ?? details.failed.type,
          line: link.line,
          seq: link.seq,
          error: o!.error,
          item: link.item,
        },
        parked: rest.map((p) => ({ eventId: p.eventId, line: p.line, seq: p.seq, item: p.item })),
      });
      if (!rest.length && parkedItem) await resolve(store, [parkedItem], opts, details.runId, result);
      result.failedEvent = link.eventId;
      result.open = await openItems(store, item);
      return result;
    }
    result[o!.status]++;
  }
  await resolve(store, [failedOpen ? failedItem : undefined, parkedItem], opts, details.runId, result);
  return result;
}

/** The replay items (failed, parked) of the item's key, in any status. */
async function keyItems(store: ControlStore, item: ExceptionRecord): Promise<ExceptionRecord[]> {
  const { items } = await listExceptions(store, {
    mapping: [item.mapping],
    kind: ['replay_failed', 'replay_parked'],
    keyContains: item.keyText,
  });
  return items.filter((x) => x.keyText === item.keyText);
}

const isOpen = (x: ExceptionRecord) => x.status === 'open' || x.status === 'assigned';

/** The replay items of a key that are open or assigned. */
async function openItems(store: ControlStore, item: ExceptionRecord): Promise<string[]> {
  return (await keyItems(store, item)).filter(isOpen).map((x) => x.id);
}

async function resolve(
  store: ControlStore,
  items: (ExceptionRecord | undefined)[],
  opts: { user: string },
  runId: string,
  result: RetryResult,
): Promise<void> {
  const ids = items.filter((x): x is ExceptionRecord => !!x).map((x) => x.id);
  if (!ids.length) return;
  await transition(store, ids, 'resolve', {
    user: opts.user,
    runId,
    note: 'applied by `cutover exceptions retry`',
  });
  result.resolved.push(...ids);
}

import type { ControlStore } from '../store/control-store.js';
import { recordException } from '../exceptions/queue.js';
import type { WorkItem } from './executor.js';

/** What a replay exception's details hold: enough to re-apply the chain later (`cutover exceptions retry`). */
export interface ChainDetails {
  runId: string;
  source: string;
  mappingFile: string;
  /** The run's --target (the mapping's `target` when absent). */
  target?: string | null;
  key: string;
  /** The event that failed, then the parked ones behind it, in apply order. */
  failed: {
    eventId: string | null;
    type: string | null;
    line: number;
    seq: number;
    error: string;
    item: WorkItem;
  };
  parked: { eventId: string | null; line: number; seq: number; item: WorkItem }[];
}

/**
 * Records a failed event (`replay_failed`) and, when later events of its key are held back, one
 * `replay_parked` item for the whole parked chain. Returns how many items were newly opened.
 */
export async function recordChainFailure(
  store: ControlStore,
  mappingName: string,
  d: ChainDetails,
): Promise<{ opened: number; ids: string[] }> {
  let opened = 0;
  const ids: string[] = [];
  // The stored item is about the same failure when it names the same event (or, without an id, line).
  const sameProblem = (stored: unknown) => {
    const f = (stored as { failed?: { eventId?: unknown; line?: unknown } } | null)?.failed;
    return f?.eventId === d.failed.eventId && (d.failed.eventId !== null || f?.line === d.failed.line);
  };
  const failed = await recordException(store, {
    kind: 'replay_failed',
    mapping: mappingName,
    eventType: d.failed.type ?? undefined,
    key: d.key,
    details: {
      ...d,
      parked: d.parked.map((p) => ({ eventId: p.eventId, line: p.line, seq: p.seq })),
      parkedCount: d.parked.length,
    },
    error: `${d.failed.eventId ?? `line ${d.failed.line}`} (line ${d.failed.line}): ${d.failed.error}`,
    runId: d.runId,
    // Ignoring a failed event does not hide the next event of the key that fails.
    sameProblem,
  });
  ids.push(failed.id);
  if (failed.created) opened++;
  if (d.parked.length) {
    const parked = await recordException(store, {
      kind: 'replay_parked',
      mapping: mappingName,
      eventType: d.failed.type ?? undefined,
      key: d.key,
      details: { ...d, failedException: failed.id },
      error: `${d.parked.length} event(s) of key ${d.key} wait behind ${d.failed.eventId ?? `line ${d.failed.line}`} (${failed.id})`,
      runId: d.runId,
      // Events parked behind a new failure are new work, even if the last parked list was ignored.
      sameProblem,
    });
    ids.push(parked.id);
    if (parked.created) opened++;
  }
  return { opened, ids };
}

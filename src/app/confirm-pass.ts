/**
 * The confirm pass of a live dual run (`reconcile --confirm-after DURATION`): after the first pass,
 * wait, then read again, on both sides, only the keys the first pass found different (a key-set
 * read: key-set.ts), compare them with the same exact engine, and classify each first-pass
 * difference: `persistent` (the same difference again), `changed` (the key still differs, with other
 * values: the new difference is kept) or `in_flight` (gone: a transaction that was between the two
 * systems when the snapshot was taken). See docs/technical-explanation.md, "Live dual runs".
 */
import type { Adapter } from '../adapters/types.js';
import type { Mapping } from '../config/mapping-schema.js';
import { compareStreams } from '../reconcilers/compare.js';
import { encodeKey } from '../reconcilers/key.js';
import { readAhead, readCanonical, withKeySet, type SidePlan } from '../reconcilers/read-side.js';
import type { RecordDifference, RecordKey, Side } from '../reconcilers/types.js';

export interface ConfirmResult {
  /** The run's differences: the persistent and changed ones, tagged. */
  confirmed: RecordDifference[];
  /** The first-pass differences gone in the second pass. */
  inFlight: RecordDifference[];
  rechecked: number;
  persistent: number;
  changed: number;
}

/** Waits `ms` (SIGINT/SIGTERM still end the run as usual meanwhile). */
export function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The same read as the first pass, by key and without the --since/--until window (a row may have moved out of it). */
function keyPlan(plan: SidePlan, mapping: Mapping, keys: RecordKey[]): SidePlan {
  const { window: _w, ...request } = plan.request;
  return withKeySet({ ...plan, request, window: undefined }, mapping, keys);
}

/** Reads the first pass's differing keys again on both sides and classifies each difference. */
export async function confirmPass(args: {
  mapping: Mapping;
  plans: Record<Side, SidePlan>;
  adapters: Record<Side, Adapter>;
  first: RecordDifference[];
  memoryMb?: number;
}): Promise<ConfirmResult> {
  const { mapping, plans, adapters, first } = args;
  const keyText = (k: RecordKey) => encodeKey(k, mapping.key);
  const keys = new Map<string, RecordKey>();
  for (const d of first) keys.set(keyText(d.key), d.key);
  const keyList = [...keys.values()];
  const stream = (side: Side) =>
    readAhead(readCanonical(adapters[side], keyPlan(plans[side], mapping, keyList), () => undefined));
  const second = new Map<string, RecordDifference[]>();
  const legacy = stream('legacy');
  const cloud = stream('cloud');
  try {
    for await (const d of compareStreams(mapping, legacy, cloud, { memoryMb: args.memoryMb })) {
      if (d.type === 'unbalanced_journal') continue;
      const k = keyText(d.key);
      const list = second.get(k);
      if (list) list.push(d);
      else second.set(k, [d]);
    }
  } finally {
    await Promise.all([legacy.stop(), cloud.stop()]);
  }

  // First the differences seen again as they were; then, per key, the second pass's other
  // differences replace the first pass's remaining ones (changed); a first-pass difference whose key
  // has none left is in flight.
  const confirmed: RecordDifference[] = [];
  const inFlight: RecordDifference[] = [];
  const emitted = new Set<string>();
  const rest: RecordDifference[] = [];
  let persistent = 0;
  let changed = 0;
  for (const d of first) {
    const k = keyText(d.key);
    const body = JSON.stringify(d);
    const id = `${k}\u0000${body}`;
    if (!emitted.has(id) && second.get(k)?.some((s) => JSON.stringify(s) === body)) {
      emitted.add(id);
      confirmed.push({ ...d, confirm: 'persistent' });
      persistent++;
    } else rest.push(d);
  }
  for (const d of rest) {
    const k = keyText(d.key);
    let added = 0;
    for (const s of second.get(k) ?? []) {
      const id = `${k}\u0000${JSON.stringify(s)}`;
      if (emitted.has(id)) continue;
      emitted.add(id);
      confirmed.push({ ...s, confirm: 'changed' });
      added++;
    }
    if (added) changed += added;
    else inFlight.push(d);
  }
  return { confirmed, inFlight, rechecked: keys.size, persistent, changed };
}

/** A duration in milliseconds as ISO 8601 (PT5M, PT1H30M, PT2.5S). */
export function isoDuration(ms: number): string {
  if (ms <= 0) return 'PT0S';
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s ? `${s}S` : ''}`;
}

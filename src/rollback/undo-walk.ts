import type { ActionStatus, PlanAction, RowChange, RowImage } from './plan-types.js';
import { identityOf, plainValue, rowDiff } from './row-image.js';

/** Reads the rows at `where` in a target table as they are now. */
export type ReadCurrent = (
  target: string,
  table: string,
  where: RowImage,
) => Promise<Record<string, unknown>[]>;

/** The verdict on one action of a walk. */
export interface Verdict {
  status: ActionStatus;
  reason?: string;
  current?: RowImage[];
}

interface Slot {
  /** What the row must be at this point of the undo (null: absent). */
  expect: RowImage | null;
  /** Set when a later action on the row is not undone: nothing earlier may touch it. */
  blockedBy?: { eventId: string; status: 'conflict' | 'manual' };
}

/**
 * Walks actions in undo order (reverse seq) and decides which can run. The first time a row is met,
 * its current state must be what the latest event of the run left (its after-image); once that
 * action is undone the row is, in this simulation, its before-image, which is what the event before
 * it on the same row left — so for a row touched several times only the last after-image is compared
 * with the database and the earlier ones chain. An action that is not undone (a conflict or a manual
 * item) blocks its rows, so nothing earlier on them is undone either.
 */
export async function walkUndo(
  actions: { action: PlanAction; preset: ActionStatus }[],
  read: ReadCurrent,
): Promise<Verdict[]> {
  const slots = new Map<string, Slot>();
  const verdicts: Verdict[] = [];
  for (const { action, preset } of actions) {
    const keys = action.rows.map((r) => identityOf(action.target, action.table ?? '', r.where));
    const found: Slot[] = [];
    for (const [i, r] of action.rows.entries()) {
      let slot = slots.get(keys[i]!);
      if (!slot) {
        const rows = await read(action.target, action.table!, r.where);
        slot = {
          expect:
            rows.length === 1 ? (rows[0] as RowImage) : rows.length === 0 ? null : { __rows: rows.length },
        };
        slots.set(keys[i]!, slot);
      }
      found.push(slot);
    }
    let verdict: Verdict = { status: preset };
    if (preset === 'ok') {
      const blocked = found.find((s) => s.blockedBy);
      if (blocked?.blockedBy) {
        const b = blocked.blockedBy;
        verdict =
          b.status === 'manual'
            ? {
                status: 'manual',
                reason: `Undo by hand together with ${b.eventId}: that later event of the run cannot be undone by cutover and changed the same row.`,
              }
            : {
                status: 'conflict',
                reason: `A later event of the run on the same row (${b.eventId}) is a conflict, so this one cannot be undone either.`,
              };
      } else {
        const problems = action.rows
          .map((r, i) => mismatch(action.table!, r, found[i]!.expect))
          .filter((p): p is string => Boolean(p));
        if (problems.length)
          verdict = {
            status: 'conflict',
            reason: problems.join(' '),
            current: found.map((s) => s.expect ?? {}).map(clean),
          };
      }
    }
    if (verdict.status === 'ok') action.rows.forEach((r, i) => (found[i]!.expect = r.restore));
    else
      for (const s of found)
        s.blockedBy ??= {
          eventId: action.eventId,
          status: verdict.status === 'manual' ? 'manual' : 'conflict',
        };
    verdicts.push(verdict);
  }
  return verdicts;
}

/** Why the row now is not what the undo expects, or undefined when it is. */
export function mismatch(table: string, change: RowChange, now: RowImage | null): string | undefined {
  const at = `${table} ${describeWhere(change.where)}`;
  if (now && '__rows' in now) return `${at}: ${String(now.__rows)} rows match now, the replay left one.`;
  if (change.expect === null) return now ? `${at}: a row is there now; the replay deleted it.` : undefined;
  if (!now) return `${at}: the row is gone; the replay left it in place.`;
  const cols = rowDiff(change.expect, now);
  if (!cols.length) return undefined;
  return `${at}: changed since the replay: ${cols
    .slice(0, 5)
    .map((c) => `${c} is ${show(now[c])}, the replay left ${show(change.expect![c])}`)
    .join('; ')}${cols.length > 5 ? ` (and ${cols.length - 5} more columns)` : ''}.`;
}

/** `{sku: A-100, location_code: S1}`. */
export function describeWhere(where: RowImage): string {
  return `{${Object.entries(where)
    .map(([k, v]) => `${k}: ${show(v)}`)
    .join(', ')}}`;
}

function show(v: unknown): string {
  const p = plainValue(v);
  return p === null ? 'NULL' : String(p);
}

function clean(row: RowImage): RowImage {
  const out: RowImage = {};
  for (const [k, v] of Object.entries(row)) out[k] = plainValue(v);
  return out;
}

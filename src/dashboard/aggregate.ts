/**
 * The dashboard's aggregations, pure and exact: nights (reconcile passes), aging buckets, the queue's
 * burn-down, and absolute control-total variance. Times are compared as integer milliseconds and
 * amounts summed as scaled BigInt, so a figure on the page ties out with the workbook.
 */
import { formatDecimal, isCanonicalDecimal, scaleOf, toScaled } from '../util/exact-decimal.js';
import { dict } from '../util/dict.js';

export { agingBuckets, agingBucket, type AgingBucket } from '../exceptions/aging.js';

/** A run as the aggregations need it. */
export interface RunStamp {
  id: string;
  name: string | null;
  startedAt: string;
}

/** A night: one reconcile pass over the mappings, from its first run's start to the next night's. */
export interface Night {
  index: number;
  /** `2 · 2026-12-02 03:46 UTC`: its number (nights of two passes in one minute stay apart) and start. */
  label: string;
  start: string;
  /** The next night's start, or undefined for the last night (it runs until now). */
  end?: string;
  runIds: string[];
}

/** `2026-12-02 03:46 UTC`: a time as the page shows it. */
export function shortTime(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

/** A pause between two reconcile runs that ends a night. */
export const NIGHT_GAP_MS = 6 * 3_600_000;

/**
 * Groups reconcile runs (any order) into nights: a night is a pass over the mappings, so a new one
 * starts when a mapping already reconciled in the current one runs again, or after a pause of more
 * than NIGHT_GAP_MS since the previous run started. A nightly `reconcile --all` gives one night a
 * day, a recheck in the morning one of its own, and two passes on the same evening (the demo) two.
 */
export function groupNights(runs: readonly RunStamp[]): Night[] {
  const sorted = [...runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
  const nights: Night[] = [];
  let seen = new Set<string>();
  let previous: number | undefined;
  for (const r of sorted) {
    const name = r.name ?? r.id;
    let night = nights[nights.length - 1];
    const pause = previous !== undefined && Date.parse(r.startedAt) - previous > NIGHT_GAP_MS;
    previous = Date.parse(r.startedAt);
    if (!night || seen.has(name) || pause) {
      const label = `${nights.length + 1} · ${shortTime(r.startedAt)}`;
      night = { index: nights.length, label, start: r.startedAt, runIds: [] };
      if (nights.length) nights[nights.length - 1]!.end = r.startedAt;
      nights.push(night);
      seen = new Set();
    }
    seen.add(name);
    night.runIds.push(r.id);
  }
  return nights;
}

/** An item of the queue as the burn-down needs it. */
export interface QueueItem {
  id: number;
  firstSeen: string;
}

/** A status change of an item (its history rows that set a status). */
export interface StatusChange {
  exceptionId: number;
  at: string;
  toStatus: string;
}

/** Per night: items opened and closed (resolved or ignored) during it, and the backlog at its end. */
export interface BurnDownPoint {
  night: string;
  opened: number;
  resolved: number;
  backlog: number;
}

const UNRESOLVED = new Set(['open', 'assigned']);

/**
 * The burn-down over `nights`: an item is opened in the night its first sighting falls in, resolved
 * in the night a history row moved it to resolved or ignored, and in the backlog at a night's end
 * when its last status set by then is open or assigned. The last night ends at `now`.
 */
export function burnDown(
  nights: readonly Night[],
  items: readonly QueueItem[],
  changes: readonly StatusChange[],
  now: Date,
): BurnDownPoint[] {
  const byItem = new Map<number, { at: number; to: string }[]>();
  for (const c of changes) {
    const list = byItem.get(c.exceptionId) ?? [];
    list.push({ at: Date.parse(c.at), to: c.toStatus });
    byItem.set(c.exceptionId, list);
  }
  for (const list of byItem.values()) list.sort((a, b) => a.at - b.at);
  const statusAt = (item: QueueItem, t: number): string | undefined => {
    if (Date.parse(item.firstSeen) > t) return undefined;
    let status = 'open';
    for (const c of byItem.get(item.id) ?? []) {
      if (c.at > t) break;
      status = c.to;
    }
    return status;
  };
  return nights.map((n) => {
    const start = Date.parse(n.start);
    const end = n.end ? Date.parse(n.end) : now.getTime() + 1;
    const within = (t: number) => t >= start && t < end;
    let opened = 0;
    let backlog = 0;
    for (const item of items) {
      if (within(Date.parse(item.firstSeen))) opened++;
      const s = statusAt(item, end - 1);
      if (s !== undefined && UNRESOLVED.has(s)) backlog++;
    }
    let resolved = 0;
    for (const c of changes) if (!UNRESOLVED.has(c.toStatus) && within(Date.parse(c.at))) resolved++;
    return { night: n.label, opened, resolved, backlog };
  });
}

/** A control-total line as the summary JSON holds it. */
export interface VarianceLine {
  group: string;
  field: string;
  difference: string;
}

/** Exact sum of |value| over decimal literals (anything else is skipped), at the largest scale among them. */
export function absSum(values: readonly string[]): string {
  const decimals = values.filter(isCanonicalDecimal);
  const scale = decimals.reduce((m, v) => Math.max(m, scaleOf(v)), 0);
  let units = 0n;
  for (const v of decimals) {
    const d = toScaled(v, scale);
    units += d < 0n ? -d : d;
  }
  return formatDecimal(units, scale);
}

/**
 * Per control total (`group: field`): the sum of |line difference|, exact. Offsetting errors do
 * not net away, which is the point (a net variance of 0 can hide two large ones).
 */
export function absoluteVariance(lines: readonly VarianceLine[]): Map<string, string> {
  const byTotal = new Map<string, string[]>();
  for (const l of lines) {
    const id = `${l.group}: ${l.field}`;
    byTotal.set(id, [...(byTotal.get(id) ?? []), l.difference]);
  }
  return new Map([...byTotal].map(([id, values]) => [id, absSum(values)]));
}

/** Exact sum of |value| per column over several amount records (a rollback plan's manual items). */
export function absoluteSums(records: readonly Record<string, string>[]): Record<string, string> {
  const columns = dict<string[]>();
  for (const r of records) for (const [k, v] of Object.entries(r)) (columns[k] ??= []).push(v);
  return Object.fromEntries(Object.entries(columns).map(([k, values]) => [k, absSum(values)]));
}

/** `1234567.5` → `1,234,567.5`: digits grouped as the workbook's `#,##0.00` formats show them, scale kept. */
export function groupDigits(value: string | number): string {
  const s = String(value);
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(s);
  if (!m) return s;
  return `${m[1]}${m[2]!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${m[3] ?? ''}`;
}

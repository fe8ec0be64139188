import type { LedgerRow } from '../replay/ledger.js';
import type { PlanAction, RowChange, RowImage } from './plan-types.js';
import { identityOf, pick, plainRow } from './row-image.js';

/** A row of the HTTP ledger (control store) for one replay run. */
export interface HttpLedgerRow {
  event_id: string;
  seq: number | string;
  event_type: string;
  event_key: string;
  occurred_at: string;
  target: string;
  method: string;
  path: string;
  http_status: number;
  irreversible: boolean | number;
}

/** The event a plan action undoes, as either ledger recorded it. */
function eventOf(
  row: Pick<LedgerRow | HttpLedgerRow, 'seq' | 'event_id' | 'event_type' | 'event_key' | 'occurred_at'>,
): Pick<PlanAction, 'seq' | 'eventId' | 'eventType' | 'eventKey' | 'occurredAt'> {
  return {
    seq: Number(row.seq),
    eventId: row.event_id,
    eventType: row.event_type,
    eventKey: row.event_key,
    occurredAt: row.occurred_at,
  };
}

function parseImages(text: string): RowImage[] {
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? (v as Record<string, unknown>[]).map(plainRow) : [];
  } catch {
    return [];
  }
}

/**
 * The compensation of one database event, from its ledger row: each touched row with where to find
 * it, what it must be now (after-image) and what the undo writes (before-image). Rows are found by
 * the table's primary key when it has one (so two events that match the same row differently still
 * chain), else by the event's match, else (an insert without match) by the whole inserted row.
 */
export function dbAction(row: LedgerRow, target: string, pk: string[]): PlanAction {
  const before = parseImages(row.before_json);
  const after = parseImages(row.after_json);
  let match: RowImage = {};
  try {
    match = JSON.parse(row.match_json) as RowImage;
  } catch {
    // An unreadable match: rows are then found by primary key or whole image.
  }
  const whereOf = (img: RowImage): RowImage =>
    pk.length && pk.every((c) => c in img) ? pick(img, pk) : Object.keys(match).length ? match : img;
  const rows: RowChange[] = [];
  const table = row.table_name ?? '';
  const byKey = new Map<string, RowImage>();
  for (const b of before) byKey.set(identityOf(target, table, whereOf(b)), b);
  const paired = new Set<string>();
  for (const [i, a] of after.entries()) {
    const key = identityOf(target, table, whereOf(a));
    // Without a primary key several rows share the match: pair them in order.
    const b = pk.length ? byKey.get(key) : before[i];
    if (b) paired.add(pk.length ? key : String(i));
    rows.push({ where: whereOf(a), expect: a, restore: b ?? null });
  }
  for (const [i, b] of before.entries()) {
    const key = identityOf(target, table, whereOf(b));
    if (!paired.has(pk.length ? key : String(i))) rows.push({ where: whereOf(b), expect: null, restore: b });
  }
  return {
    ...eventOf(row),
    target,
    table: row.table_name,
    action: row.action,
    undo: describeUndo(rows),
    rows,
    status: truthy(row.irreversible) ? 'manual' : 'ok',
    amounts: {},
  };
}

/** An HTTP effect: always a manual item (cutover has no declared compensation for requests). */
export function httpAction(row: HttpLedgerRow): PlanAction {
  return {
    ...eventOf(row),
    target: row.target,
    table: null,
    action: 'http',
    undo: `none: ${row.method} ${row.path} answered ${row.http_status}`,
    rows: [],
    status: 'manual',
    amounts: {},
  };
}

function describeUndo(rows: RowChange[]): string {
  const n = { del: 0, restore: 0, reinsert: 0 };
  for (const r of rows) {
    if (!r.restore) n.del++;
    else if (!r.expect) n.reinsert++;
    else n.restore++;
  }
  const parts: string[] = [];
  const s = (k: number) => (k === 1 ? '' : 's');
  if (n.del) parts.push(`delete ${n.del} row${s(n.del)}`);
  if (n.restore) parts.push(`restore ${n.restore} row${s(n.restore)}`);
  if (n.reinsert) parts.push(`re-insert ${n.reinsert} row${s(n.reinsert)}`);
  return parts.join(', ') || 'nothing (the event changed no row)';
}

/** A boolean column as any driver returns it (true, 1, '1', 't'). */
export function truthy(v: unknown): boolean {
  return v === true || v === 1 || v === 1n || v === '1' || v === 't' || v === 'true';
}

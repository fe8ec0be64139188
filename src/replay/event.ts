import { instantProblem } from '../util/instant-text.js';
import type { EventRule } from '../config/events-schema.js';

/** One captured event, validated. `index` is its position in the source (0-based), `line` its line (or row) number. */
export interface ReplayEvent {
  id: string;
  type: string;
  key: string;
  occurredAt: string;
  payload: Record<string, unknown>;
  line: number;
  index: number;
}

/** The outcome of validating one source record. */
export type Validated =
  | { ok: true; event: ReplayEvent; time: number; sub: number }
  | { ok: false; problem: string; id?: string; key?: string; type?: string };

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** The fields of a record as an event reads them (undefined where one is missing or of the wrong kind). */
function fieldsOf(r: Record<string, unknown>) {
  const occurredAt = r.occurredAt ?? r.occurred_at;
  return {
    id: typeof r.id === 'string' || typeof r.id === 'number' ? String(r.id) : undefined,
    type: typeof r.type === 'string' ? r.type : undefined,
    key: typeof r.key === 'string' || typeof r.key === 'number' ? String(r.key) : undefined,
    when: occurredAt instanceof Date ? occurredAt.toISOString() : occurredAt,
    payload: typeof r.payload === 'string' ? tryJson(r.payload) : r.payload,
  };
}

/**
 * The part of a timestamp's fraction below the millisecond, in nanoseconds (0–999,999): Date.parse
 * keeps milliseconds only (it truncates), and an outbox in PostgreSQL or SQL Server carries
 * microseconds or more, so two events of one key within a millisecond would otherwise keep file order.
 */
export function subMillis(when: string): number {
  const m = /T\d{2}:\d{2}:\d{2}\.(\d+)/.exec(when);
  if (!m || m[1]!.length <= 3) return 0;
  return Number(m[1]!.slice(3, 9).padEnd(6, '0'));
}

/** Checks one event object against the SPEC shape and the mapping's known types. */
export function validateEvent(
  raw: unknown,
  at: { line: number; index: number },
  knownTypes: ReadonlySet<string>,
): Validated {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    return { ok: false, problem: 'not a JSON object' };
  const { id, type, key, when, payload } = fieldsOf(raw as Record<string, unknown>);
  const bad = (problem: string): Validated => ({ ok: false, problem, id, key, type });
  if (!id) return bad('"id" is missing');
  if (id.length > 200) return bad('"id" is longer than 200 characters');
  if (!type) return bad('"type" is missing');
  if (!knownTypes.has(type)) return bad(`the event type "${type}" is not in the events mapping`);
  if (key === undefined || key === '') return bad('"key" is missing');
  if (typeof when !== 'string' || !ISO.test(when))
    return bad(`"occurredAt" ${JSON.stringify(when ?? null)} is not an ISO 8601 timestamp with a zone`);
  // A value that only looks right (February 30th, hour 25, offset +99:00) is not an instant either.
  const impossible = instantProblem(when, { zone: true });
  if (impossible) return bad(`"occurredAt" ${JSON.stringify(when)} is not a real instant: it ${impossible}`);
  if (Number.isNaN(Date.parse(when)))
    return bad(`"occurredAt" ${JSON.stringify(when)} is not an ISO 8601 timestamp with a zone`);
  if (!payload || typeof payload !== 'object' || Array.isArray(payload))
    return bad('"payload" is not an object');
  return {
    ok: true,
    time: Date.parse(when),
    sub: subMillis(when),
    event: { id, type, key, occurredAt: when, payload: payload as Record<string, unknown>, ...at },
  };
}

/**
 * The event of a record validateEvent has already accepted when the source was indexed: the same
 * event, without checking it again (a replay reads each record twice: to order it, then to apply it).
 */
export function acceptedEvent(
  raw: Record<string, unknown>,
  at: { line: number; index: number },
): ReplayEvent {
  const { id, type, key, when, payload } = fieldsOf(raw);
  return {
    id: id!,
    type: type!,
    key: key!,
    occurredAt: when as string,
    payload: payload as Record<string, unknown>,
    ...at,
  };
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** One event planned onto a database target: its rule, its place in the source and its run. */
export interface DbPlan {
  event: ReplayEvent;
  rule: EventRule;
  seq: number;
  runId: string;
}

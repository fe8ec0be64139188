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

/**
 * The fields of a record as an event reads them (undefined where one is missing, empty, of the wrong
 * kind or holding a NUL character: a failure record never carries a name no store can hold).
 */
function fieldsOf(r: Record<string, unknown>) {
  const occurredAt = r.occurredAt ?? r.occurred_at;
  return {
    id: nameProblem('id', r.id, true) ? undefined : String(r.id),
    type: nameProblem('type', r.type, false) ? undefined : (r.type as string),
    key: nameProblem('key', r.key, true) ? undefined : String(r.key),
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
  const r = raw as Record<string, unknown>;
  const { id, type, key, when, payload } = fieldsOf(r);
  const bad = (problem: string): Validated => ({ ok: false, problem, id, key, type });
  const idProblem = nameProblem('id', r.id, true);
  if (idProblem || id === undefined) return bad(idProblem ?? '"id" is missing');
  if (id.length > 200) return bad('"id" is longer than 200 characters');
  const typeProblem = nameProblem('type', r.type, false);
  if (typeProblem || type === undefined) return bad(typeProblem ?? '"type" is missing');
  if (!knownTypes.has(type)) return bad(`the event type "${type}" is not in the events mapping`);
  const keyProblem = nameProblem('key', r.key, true);
  if (keyProblem || key === undefined) return bad(keyProblem ?? '"key" is missing');
  const whenRaw = r.occurredAt !== undefined ? r.occurredAt : r.occurred_at;
  if (whenRaw === undefined) return bad('"occurredAt" is missing');
  if (typeof when !== 'string')
    return bad(`"occurredAt" must be an ISO 8601 timestamp text with a zone, not ${kindOf(whenRaw)}`);
  if (!ISO.test(when))
    return bad(`"occurredAt" ${JSON.stringify(when)} is not an ISO 8601 timestamp with a zone`);
  // A value that only looks right (February 30th, hour 25, offset +99:00) is not an instant either.
  const impossible = instantProblem(when, { zone: true });
  if (impossible) return bad(`"occurredAt" ${JSON.stringify(when)} is not a real instant: it ${impossible}`);
  if (Number.isNaN(Date.parse(when)))
    return bad(`"occurredAt" ${JSON.stringify(when)} is not an ISO 8601 timestamp with a zone`);
  if (r.payload === undefined) return bad('"payload" is missing');
  if (!payload || typeof payload !== 'object' || Array.isArray(payload))
    return bad(`"payload" is not an object: it is ${kindOf(r.payload)}`);
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

/**
 * Why an event's id, type or key cannot name it, or undefined when it can: missing, empty, of
 * another kind (said with what it is), or holding a NUL character (no database key, ledger or
 * command line can carry one).
 */
function nameProblem(field: string, v: unknown, numberToo: boolean): string | undefined {
  if (v === undefined) return `"${field}" is missing`;
  if (typeof v === 'number' && numberToo) return undefined;
  if (typeof v !== 'string')
    return `"${field}" must be a string${numberToo ? ' or a number' : ''}, not ${kindOf(v)}`;
  if (v === '') return `"${field}" is empty`;
  if (v.includes('\u0000')) return `"${field}" ${preview(v)} holds a NUL character (\\u0000)`;
  return undefined;
}

/** What a JSON value is, for a message: its kind and (shortened) text. */
function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array (${preview(v)})`;
  if (typeof v === 'object') return `an object (${preview(v)})`;
  if (typeof v === 'string') return `the string ${preview(v)}`;
  if (typeof v === 'number') return `the number ${preview(v)}`;
  if (typeof v === 'boolean') return `the boolean ${v}`;
  return typeof v;
}

function preview(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
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

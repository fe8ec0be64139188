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
  | { ok: true; event: ReplayEvent; time: number }
  | { ok: false; problem: string; id?: string; key?: string; type?: string };

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Checks one event object against the SPEC shape and the mapping's known types. */
export function validateEvent(
  raw: unknown,
  at: { line: number; index: number },
  knownTypes: ReadonlySet<string>,
): Validated {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    return { ok: false, problem: 'not a JSON object' };
  const r = raw as Record<string, unknown>;
  const id = typeof r.id === 'string' || typeof r.id === 'number' ? String(r.id) : undefined;
  const type = typeof r.type === 'string' ? r.type : undefined;
  const key = typeof r.key === 'string' || typeof r.key === 'number' ? String(r.key) : undefined;
  const occurredAt = r.occurredAt ?? r.occurred_at;
  const payload = typeof r.payload === 'string' ? tryJson(r.payload) : r.payload;
  const bad = (problem: string): Validated => ({ ok: false, problem, id, key, type });
  if (!id) return bad('"id" is missing');
  if (id.length > 200) return bad('"id" is longer than 200 characters');
  if (!type) return bad('"type" is missing');
  if (!knownTypes.has(type)) return bad(`the event type "${type}" is not in the events mapping`);
  if (key === undefined || key === '') return bad('"key" is missing');
  const when = occurredAt instanceof Date ? occurredAt.toISOString() : occurredAt;
  if (typeof when !== 'string' || !ISO.test(when) || Number.isNaN(Date.parse(when)))
    return bad(`"occurredAt" ${JSON.stringify(when ?? null)} is not an ISO 8601 timestamp with a zone`);
  if (!payload || typeof payload !== 'object' || Array.isArray(payload))
    return bad('"payload" is not an object');
  return {
    ok: true,
    time: Date.parse(when),
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
  const when = raw.occurredAt ?? raw.occurred_at;
  return {
    id: String(raw.id as string | number),
    type: raw.type as string,
    key: String(raw.key as string | number),
    occurredAt: when instanceof Date ? when.toISOString() : (when as string),
    payload: (typeof raw.payload === 'string' ? tryJson(raw.payload) : raw.payload) as Record<
      string,
      unknown
    >,
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

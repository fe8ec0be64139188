import type { ReplayEvent } from './event.js';
import { PermanentError } from './retry-policy.js';

const pathCache = new Map<string, string[]>();

/** Reads `$.payload.sku` (or `$.items.0.sku`) from an event; a missing path is a permanent failure of that event. */
export function resolvePath(event: ReplayEvent, spec: string): unknown {
  let parts = pathCache.get(spec);
  if (!parts) pathCache.set(spec, (parts = spec.slice(2).split('.').filter(Boolean)));
  // The root is the event as SPEC shows it: id, type, key, occurredAt, payload.
  if (!parts.length)
    return {
      id: event.id,
      type: event.type,
      key: event.key,
      occurredAt: event.occurredAt,
      payload: event.payload,
    };
  let v: unknown = event;
  for (let n = 0; n < parts.length; n++) {
    const p = parts[n]!;
    const root = n === 0;
    if (v === null || typeof v !== 'object' || (root ? !ROOT_FIELDS.has(p) : !(p in v)))
      throw new PermanentError(`the path ${spec} is not in the event`);
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}
const ROOT_FIELDS = new Set(['id', 'type', 'key', 'occurredAt', 'payload']);

/** A mapping value: `$.`-paths are read from the event, anything else is a literal. */
export function resolveValue(event: ReplayEvent, spec: unknown): unknown {
  return typeof spec === 'string' && spec.startsWith('$.') ? resolvePath(event, spec) : spec;
}

/** Resolves every entry of a `match`/`values` map; objects become JSON text for a column. */
export function resolveColumns(
  event: ReplayEvent,
  specs: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [col, spec] of Object.entries(specs ?? {})) {
    const v = resolveValue(event, spec);
    out[col] = v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
  }
  return out;
}

/** Fills `{$.payload.id}` placeholders of an HTTP path, URL-encoding each value. */
export function fillTemplate(event: ReplayEvent, template: string): string {
  return template.replace(/\{(\$\.[^}]+)\}/g, (_m, spec: string) => {
    const v = resolvePath(event, spec);
    return encodeURIComponent(v === null || v === undefined ? '' : String(v));
  });
}

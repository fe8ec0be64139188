import type { Knex } from 'knex';
import type { EventRule } from '../config/events-schema.js';
import type { HttpAdapter } from '../adapters/http/index.js';
import type { ReplayEvent } from './event.js';
import { fillTemplate, resolveValue } from './resolve.js';
import { HttpStatusError, PermanentError } from './retry-policy.js';
import { ensureLedgerTable } from './ledger.js';
import type { WriteDriver } from '../adapters/types.js';

/**
 * HTTP targets share no transaction with cutover, so their ledger lives in the control store
 * (`cutover_http_ledger`, created on first use): event id, run, seq, status, response status. Each
 * request carries `Idempotency-Key: <event id>`, so a request re-sent after a crash between the
 * response and the ledger write is recognised by the server as the same one.
 */
export const HTTP_LEDGER_TABLE = 'cutover_http_ledger';

/** Creates the HTTP ledger table in the control store when it is missing. */
export async function ensureHttpLedger(db: WriteDriver): Promise<void> {
  await ensureLedgerTable(db, HTTP_LEDGER_TABLE, (t) => {
    t.string('target', 200).notNullable();
    t.string('method', 10).notNullable();
    t.text('path').notNullable();
    t.integer('http_status').notNullable();
  });
}

/** Sends one event's request; a 2xx is recorded in the HTTP ledger, anything else is thrown (retry decides). */
export async function applyHttp(
  store: Knex,
  adapter: HttpAdapter,
  plan: { event: ReplayEvent; rule: EventRule; seq: number; runId: string },
  timeoutMs?: number,
): Promise<'applied' | 'alreadyApplied'> {
  const { event, rule } = plan;
  const req = rule.request!;
  if (await store(HTTP_LEDGER_TABLE).where({ event_id: event.id }).first('event_id')) return 'alreadyApplied';
  const path = fillTemplate(event, req.path);
  const body =
    req.body !== null && typeof req.body === 'object'
      ? resolveColumnsRaw(event, req.body)
      : req.body === undefined
        ? event.payload
        : resolveValue(event, req.body);
  const headers: Record<string, string> = { 'Idempotency-Key': event.id };
  for (const [h, v] of Object.entries(req.headers ?? {})) headers[h] = String(resolveValue(event, v));
  const res = await adapter.send(req.method, path, body, headers, timeoutMs);
  if (res.status < 200 || res.status >= 300) {
    const msg = `${req.method} ${path} answered ${res.status}${res.bodyExcerpt ? `: ${res.bodyExcerpt}` : ''}`;
    const err = new HttpStatusError(res.status, msg);
    if (![408, 425, 429, 502, 503, 504].includes(res.status)) throw new PermanentError(msg, { cause: err });
    throw err;
  }
  await store(HTTP_LEDGER_TABLE)
    .insert({
      event_id: event.id,
      run_id: plan.runId,
      seq: plan.seq,
      event_type: event.type,
      event_key: event.key,
      occurred_at: event.occurredAt,
      target: adapter.name,
      method: req.method,
      path,
      http_status: res.status,
      applied_at: new Date().toISOString(),
      irreversible: rule.irreversible ?? false,
    })
    .onConflict('event_id')
    .ignore();
  return 'applied';
}

/** Like resolveColumns, but nested objects stay objects (a JSON body, not columns). */
function resolveColumnsRaw(event: ReplayEvent, specs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(specs)) out[k] = resolveValue(event, spec);
  return out;
}

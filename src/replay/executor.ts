import type { EventsMapping, EventRule } from '../config/events-schema.js';
import type { ControlStore } from '../store/control-store.js';
import type { Logger } from '../util/logger.js';
import { acceptedEvent, validateEvent, type ReplayEvent } from './event.js';
import { applyDbGroup, type DbPlan } from './apply-db.js';
import { applyHttp } from './apply-http.js';
import { PermanentError, withRetry } from './retry-policy.js';
import { targetNameOf, type Target } from './targets.js';
import { resolveColumns } from './resolve.js';
import { writeValues, type WriteColumns } from './write-values.js';
import { redact } from '../util/redact.js';
import { isUniqueViolation, WriteRaceError } from '../adapters/db-errors.js';

/** One event to apply: its raw JSON text, where it came from and its place in the run's order. */
export interface WorkItem {
  text: string;
  line: number;
  seq: number;
  /** A validation problem found when the source was read: the event fails when its turn comes. */
  problem?: string;
  /** The text passed validation when the source was read (this run): it is not checked again. */
  accepted?: boolean;
}

export type Outcome =
  | { status: 'applied' | 'alreadyApplied'; event: ReplayEvent; values?: Record<string, unknown> }
  | { status: 'failed'; error: string; event?: ReplayEvent };

/** What applying needs: the mapping, the opened targets, the control store, the run and the retry policy. */
export interface ExecContext {
  mapping: EventsMapping;
  targets: Map<string, Target>;
  targetOverride?: string;
  store: ControlStore;
  runId: string;
  attempts: number;
  backoffBaseMs?: number;
  httpTimeoutMs?: number;
  logger: Logger;
  onRetry?: () => void;
  /** The kinds of the columns each database target's tables have (writeValues checks values against them). */
  columns?: WriteColumns;
}

const typeSets = new WeakMap<EventsMapping, Set<string>>();
function knownTypes(mapping: EventsMapping): Set<string> {
  let set = typeSets.get(mapping);
  if (!set) typeSets.set(mapping, (set = new Set(Object.keys(mapping.events))));
  return set;
}

/**
 * Parses (and, unless accepted when read, validates) a work item into an event and its rule, and
 * checks the values it would write (writeValues); a problem is a permanent failure. The dry run
 * calls it too, so what it says would fail is what fails.
 */
export function prepare(
  ctx: Pick<ExecContext, 'mapping' | 'targetOverride' | 'columns'>,
  item: WorkItem,
): { event: ReplayEvent; rule: EventRule; target: string } {
  if (item.problem) throw new PermanentError(item.problem);
  const at = { line: item.line, index: item.seq };
  let event: ReplayEvent;
  if (item.accepted) event = acceptedEvent(JSON.parse(item.text) as Record<string, unknown>, at);
  else {
    const v = validateEvent(JSON.parse(item.text), at, knownTypes(ctx.mapping));
    if (!v.ok) throw new PermanentError(v.problem);
    event = v.event;
  }
  const rule = ctx.mapping.events[event.type]!;
  const target = targetNameOf(rule, ctx.mapping, ctx.targetOverride)!;
  const columns = ctx.columns?.get(target);
  if (rule.table) writeValues(event, rule, columns?.tables.get(rule.table), columns?.textProblem);
  return { event, rule, target };
}

/**
 * Applies items of DIFFERENT keys bound for one target. On a database several go in one transaction
 * (each with its ledger row); an event the group reports as failed on its own (an update that finds
 * no row) changed nothing, and if the group as a whole fails, each is retried on its own, so one
 * poison event never takes its neighbours down. Transient failures retry with backoff; permanent ones come back as 'failed'.
 */
export async function applyItems(ctx: ExecContext, items: WorkItem[]): Promise<Outcome[]> {
  const prepared: ({ event: ReplayEvent; rule: EventRule; target: string } | Error)[] = items.map((it) => {
    try {
      return prepare(ctx, it);
    } catch (err) {
      return err as Error;
    }
  });
  const out: (Outcome | undefined)[] = prepared.map((p) =>
    p instanceof Error ? { status: 'failed', error: p.message } : undefined,
  );
  const ok = prepared.map((p, i) => ({ p, i })).filter((x) => !(x.p instanceof Error)) as {
    p: { event: ReplayEvent; rule: EventRule; target: string };
    i: number;
  }[];
  const first = ok[0];
  if (first && ok.length > 1) {
    const target = ctx.targets.get(first.p.target);
    if (target?.kind === 'db' && ok.every((x) => x.p.target === first.p.target)) {
      try {
        const plans: DbPlan[] = ok.map((x) => ({ ...x.p, seq: items[x.i]!.seq, runId: ctx.runId }));
        const res = await applyDbGroup(target.db, plans);
        const again: typeof ok = [];
        for (const x of ok) {
          const r = res.get(x.p.event.id) ?? 'applied';
          // An event that failed on its own changed nothing and the others committed: as applied
          // alone. One that lost a race for its new row changed nothing either: it goes again alone.
          if (typeof r === 'object' && 'retry' in r) again.push(x);
          else
            out[x.i] =
              typeof r === 'object'
                ? { status: 'failed', error: redact(r.failed), event: x.p.event }
                : done(r, x.p.event, x.p.rule);
        }
        await Promise.all(again.map(async (x) => (out[x.i] = await applyOne(ctx, x.p, items[x.i]!.seq))));
        return out as Outcome[];
      } catch (err) {
        ctx.logger.debug({ err }, 'group failed; applying its events one by one');
      }
    }
  }
  await Promise.all(
    ok.map(async (x) => {
      out[x.i] = await applyOne(ctx, x.p, items[x.i]!.seq);
    }),
  );
  return out as Outcome[];
}

async function applyOne(
  ctx: ExecContext,
  p: { event: ReplayEvent; rule: EventRule; target: string },
  seq: number,
): Promise<Outcome> {
  const target = ctx.targets.get(p.target);
  if (!target) return { status: 'failed', error: `the target ${p.target} is not open`, event: p.event };
  // A key collision on a data table is tried once more: if another process applied the same event
  // at the same moment, the ledger now holds it; a real duplicate collides again and fails.
  let collided = false;
  try {
    const status = await withRetry(
      async () => {
        if (target.kind === 'http')
          return applyHttp(ctx.store.knex, target.http, { ...p, seq, runId: ctx.runId }, ctx.httpTimeoutMs);
        const res = await applyDbGroup(target.db, [{ ...p, seq, runId: ctx.runId }]).catch((err: unknown) => {
          if (collided || !isUniqueViolation(err)) throw err;
          collided = true;
          throw new WriteRaceError(errorText(err));
        });
        const r = res.get(p.event.id) ?? 'applied';
        if (typeof r === 'object' && 'retry' in r) throw new WriteRaceError(r.retry);
        if (typeof r === 'object') throw new PermanentError(r.failed);
        return r;
      },
      {
        attempts: ctx.attempts,
        baseMs: ctx.backoffBaseMs,
        onRetry: (err, attempt) => {
          ctx.onRetry?.();
          ctx.logger.debug({ err, attempt, event: p.event.id }, 'transient failure; retrying');
        },
      },
    );
    return done(status, p.event, p.rule);
  } catch (err) {
    return { status: 'failed', error: errorText(err), event: p.event };
  }
}

function done(status: 'applied' | 'alreadyApplied', event: ReplayEvent, rule: EventRule): Outcome {
  return status === 'applied' ? { status, event, values: appliedValues(event, rule) } : { status, event };
}

/** The values an applied event wrote, for the report's sums; undefined when it has none or one cannot be resolved. */
export function appliedValues(event: ReplayEvent, rule: EventRule): Record<string, unknown> | undefined {
  if (!rule.values) return undefined;
  try {
    return resolveColumns(event, rule.values);
  } catch {
    return undefined;
  }
}

/**
 * A one-line error text for the exception queue, the reports and the console (driver codes kept,
 * stacks dropped, secrets masked: an HTTP API may echo a token back in its error body).
 */
export function errorText(err: unknown): string {
  const e = err as { message?: string; code?: unknown };
  const code = typeof e?.code === 'string' && !e.message?.includes(e.code) ? ` [${e.code}]` : '';
  return redact(`${e?.message ?? String(err)}${code}`.split('\n')[0]!.slice(0, 1000));
}

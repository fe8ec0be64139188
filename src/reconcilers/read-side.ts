/**
 * Reading one side of a mapping: the ReadRequest its columns and window become, the batches the
 * adapter yields normalized to canonical rows, and a read-ahead so both sides' queries run at once
 * whatever order the compare engine pulls them in.
 */
import type { Adapter, ReadRequest } from '../adapters/types.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { Mapping } from '../config/mapping-schema.js';
import { redactUrl } from '../util/redact.js';
import { buildNormalizer, type SideNormalizer } from './normalize.js';
import type { CanonicalRow, CanonicalValue, Side, SideDescription } from './types.js';
import { keyFilter, planKeySetRead, type KeySetRead } from './key-set.js';
import { inWindow, sideWindow, type TimeWindow } from './window.js';

/** Everything needed to read one side, decided before any query runs. */
export interface SidePlan {
  side: Side;
  connection: string;
  request: ReadRequest;
  normalizer: SideNormalizer;
  /** Canonical filter matching the pushed-down window: both sides then apply exactly the same bounds. */
  window?: { field: string; bounds: TimeWindow };
  /** The time zone of naive timestamps (the side's, else its connection's): a reader thread rebuilds the normalizer with it. */
  defaultTimezone?: string;
  description: Omit<SideDescription, 'rows'>;
  /** A key-set read (`--recheck`): the requests sent instead of `request`, and the exact filter after. */
  keySet?: KeySetRead & { filter: (rows: CanonicalRow[]) => CanonicalRow[] };
}

/** Turns a side's plan into a key-set read of these canonical keys (key-set.ts). */
export function withKeySet(
  plan: SidePlan,
  mapping: Mapping,
  keys: readonly Record<string, CanonicalValue>[],
): SidePlan {
  const read = planKeySetRead(mapping, plan.side, plan.request, keys);
  return { ...plan, keySet: { ...read, filter: keyFilter(mapping, keys) } };
}

/** Builds one side's read plan; mapping errors surface here, before any connection is used. */
export function planSide(
  mapping: Mapping,
  side: Side,
  config: LoadedConfig,
  window?: TimeWindow,
  batchSize?: number,
): SidePlan {
  const spec = mapping[side];
  const conn = config.connections[spec.connection];
  const defaultTimezone = spec.timezone ?? conn?.timezone;
  const normalizer = buildNormalizer(mapping, side, defaultTimezone ? { defaultTimezone } : undefined);
  const request: ReadRequest = {
    table: spec.table,
    query: spec.query,
    where: spec.where,
    columns: normalizer.columns,
    types: normalizer.types,
    window: sideWindow(mapping, side, window, config),
    batchSize,
  };
  return {
    side,
    connection: spec.connection,
    request,
    normalizer,
    ...(defaultTimezone ? { defaultTimezone } : {}),
    window: window && mapping.window ? { field: mapping.window.field, bounds: window } : undefined,
    description: {
      connection: spec.connection,
      url: conn ? redactUrl(conn.url) : '',
      source: spec.table ?? 'query',
    },
  };
}

/**
 * Reads one side as canonical batches. `tap` sees every canonical row kept (control totals, domain
 * checks); `onRows` counts rows for the progress display.
 */
export async function* readCanonical(
  adapter: Adapter,
  plan: SidePlan,
  tap: (rows: CanonicalRow[]) => void,
  onRows?: (n: number) => void,
): AsyncGenerator<CanonicalRow[]> {
  const { normalizer, window, keySet } = plan;
  for (const request of keySet?.requests ?? [plan.request])
    for await (const raw of adapter.read(request)) {
      let rows = raw.map((r) => normalizer.normalize(r));
      if (window) rows = rows.filter((r) => inWindow(r[window.field], window.bounds));
      if (keySet) rows = keySet.filter(rows);
      onRows?.(raw.length);
      if (rows.length === 0) continue;
      tap(rows);
      yield rows;
    }
}

/**
 * Starts pulling `source` at once and keeps up to `depth` items ready, so a consumer that drains one
 * stream before the other still has both queries running. Errors reach the consumer on its next pull;
 * a consumer that stops early stops the source.
 */
export function readAhead<T>(
  source: AsyncIterable<T>,
  depth = 4,
): AsyncIterableIterator<T> & {
  stop(): Promise<void>;
} {
  const it = source[Symbol.asyncIterator]();
  const buffer: IteratorResult<T>[] = [];
  let failure: { error: unknown } | undefined;
  let stopped = false;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const pump = (async () => {
    try {
      while (!stopped) {
        if (buffer.length >= depth) {
          await new Promise<void>((r) => (wakeProducer = r));
          continue;
        }
        const r = await it.next();
        buffer.push(r);
        wakeConsumer?.();
        if (r.done) return;
      }
    } catch (error) {
      failure = { error };
      wakeConsumer?.();
    }
  })();
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    buffer.length = 0;
    wakeProducer?.();
    await pump;
    await it.return?.();
  };
  const self = {
    async next(): Promise<IteratorResult<T>> {
      for (;;) {
        if (stopped) return { done: true, value: undefined };
        const r = buffer.shift();
        if (r) {
          wakeProducer?.();
          return r;
        }
        if (failure) throw failure.error;
        await new Promise<void>((res) => (wakeConsumer = res));
        wakeConsumer = undefined;
      }
    },
    async return(): Promise<IteratorResult<T>> {
      await stop();
      return { done: true, value: undefined };
    },
    stop,
    [Symbol.asyncIterator]() {
      return self;
    },
  };
  return self;
}

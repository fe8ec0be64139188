import { subMillis, validateEvent } from './event.js';
import type { SourceRecord } from './sources.js';

/**
 * Every record of a source, indexed for ordered replay. Ordering by `occurredAt` within a key needs
 * all of that key's events, so the whole source is held in memory as its JSON text plus a few
 * fields per event (about the size of the file plus ~150 bytes an event: ~350 MB for 1M events of
 * 200 bytes). Each record is parsed again when it is applied.
 */
export interface EventIndex {
  /** Records read (valid or not). */
  read: number;
  text: string[];
  line: number[];
  id: (string | undefined)[];
  key: (string | undefined)[];
  type: (string | undefined)[];
  /** The validation problem of a malformed record; undefined when it is valid. */
  problem: (string | undefined)[];
  /** Global order (1-based): by occurredAt, then source order. */
  seq: number[];
  /** Per key, record indices in apply order. A malformed record with a key sits in its chain and fails there. */
  chains: Map<string, number[]>;
  /** Malformed records without a key: each fails on its own. */
  loose: number[];
  /** Records whose id repeats an earlier one with identical content (counted as already applied). */
  duplicates: number;
}

/** Reads a whole source (records, or batches of them), validating each record and indexing chains per key. */
export async function indexEvents(
  records: AsyncIterable<SourceRecord | SourceRecord[]>,
  knownTypes: ReadonlySet<string>,
): Promise<EventIndex> {
  const ix: EventIndex = {
    read: 0,
    text: [],
    line: [],
    id: [],
    key: [],
    type: [],
    problem: [],
    seq: [],
    chains: new Map(),
    loose: [],
    duplicates: 0,
  };
  const times: number[] = [];
  const subs: number[] = [];
  const firstById = new Map<string, number>();
  for await (const item of records)
    for (const rec of Array.isArray(item) ? item : [item]) {
      ix.read++;
      let raw: unknown;
      let problem: string | undefined;
      try {
        raw = JSON.parse(rec.text);
      } catch (err) {
        problem = `not valid JSON (${(err as Error).message})`;
      }
      const at = { line: rec.line, index: ix.text.length };
      const v = problem === undefined ? validateEvent(raw, at, knownTypes) : undefined;
      let time = Number.NEGATIVE_INFINITY;
      let sub = 0;
      let id: string | undefined;
      let key: string | undefined;
      let type: string | undefined;
      if (v?.ok) {
        ({ id, key, type } = v.event);
        time = v.time;
        sub = v.sub;
      } else if (v) {
        ({ id, key, type } = v);
        problem = v.problem;
        // A line of `null` is an invalid record like `5` or `true`, not a fault.
        const r = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
        const when = String(r.occurredAt ?? r.occurred_at ?? '');
        const t = Date.parse(when);
        if (!Number.isNaN(t)) {
          time = t;
          sub = subMillis(when);
        }
      }
      if (id !== undefined && problem === undefined) {
        const first = firstById.get(id);
        if (first !== undefined) {
          if (ix.text[first] === rec.text) {
            ix.duplicates++;
            continue;
          }
          problem = `the event id "${id}" is used again with different content (first at line ${ix.line[first]})`;
        } else firstById.set(id, at.index);
      }
      ix.text.push(rec.text);
      ix.line.push(rec.line);
      ix.id.push(id);
      ix.key.push(key);
      ix.type.push(type);
      ix.problem.push(problem);
      times.push(time);
      subs.push(sub);
      if (key === undefined) ix.loose.push(at.index);
      else {
        const chain = ix.chains.get(key);
        if (chain) chain.push(at.index);
        else ix.chains.set(key, [at.index]);
      }
    }
  // By instant to the nanosecond (milliseconds, then the digits below them), then source order.
  const byTime = (a: number, b: number) => times[a]! - times[b]! || subs[a]! - subs[b]! || a - b;
  for (const chain of ix.chains.values()) chain.sort(byTime);
  const order = ix.text.map((_, i) => i).sort(byTime);
  ix.seq = new Array<number>(order.length);
  order.forEach((idx, n) => (ix.seq[idx] = n + 1));
  return ix;
}

/**
 * The scheduler of one replay run: the chains of events per key, the ready lists per target, the
 * p-queue that applies groups of chain heads, and the bookkeeping of what each apply did (counts,
 * sums, failures and the exception items they open). A chain goes back to its ready list only when
 * its head is done, so one key never has two events in flight; a permanent failure parks the rest of
 * its chain and every other key carries on.
 */
import PQueue from 'p-queue';
import type { EventsMapping } from '../config/events-schema.js';
import type { ControlStore } from '../store/control-store.js';
import type { EventIndex } from '../replay/ordering.js';
import { targetNameOf, type Target } from '../replay/targets.js';
import { appliedValues, applyItems, prepare, type ExecContext, type WorkItem } from '../replay/executor.js';
import { recordChainFailure } from '../replay/failures.js';
import { ReplayTally, type TypeStats } from '../replay/tally.js';
import type { ReplayProgress, ReplayResult } from '../replay/replay-types.js';

interface Chain {
  key: string;
  items: number[];
  pos: number;
}

export interface SchedulerOptions {
  store: ControlStore;
  mapping: EventsMapping;
  ctx: ExecContext;
  ix: EventIndex;
  targets: Map<string, Target>;
  runId: string;
  /** The events source as the exception items name it (a file, or CONNECTION:TABLE). */
  source: string;
  /** --target, when it overrides the mapping's. */
  target?: string;
  /** Event ids the ledgers already hold, and those of them this same run applied (a --resume). */
  done: Set<string>;
  mine: Set<string>;
  concurrency: number;
  /** Events of different keys per database transaction. */
  group: number;
  /** Events per second cap. */
  rate?: number;
  signal?: AbortSignal;
  onProgress?: (p: ReplayProgress) => void;
  t0: number;
}

/** What the scheduler did: the run's figures, before the run is finished in the store. */
export interface SchedulerOutcome {
  stopped: boolean;
  tally: ReplayTally;
  failures: ReplayResult['failures'];
  opened: number;
  /** Events this run applied before it was interrupted and resumed (not counted in its speed). */
  appliedBefore: number;
}

/** The ready list of chains whose next record fails before it needs a target: any free slot runs them. */
const NO_TARGET = '\u0000';

export class ReplayScheduler {
  private readonly tally: ReplayTally;
  private readonly failures: ReplayResult['failures'] = [];
  private opened = 0;
  private appliedBefore = 0;
  private readonly ready = new Map<string, Chain[]>();
  private stopping = false;
  private readonly queue: PQueue;
  /** One group more than --concurrency when every target is a database: its CPU work overlaps the others. */
  private readonly lead: number;

  constructor(private readonly o: SchedulerOptions) {
    this.tally = new ReplayTally(o.ix.read, o.ix.duplicates);
    o.ix.type.forEach((t) => this.stats(t).read++);
    // Database targets hold --concurrency connections; one more group than that is taken, so that its
    // CPU work (values, statement rows) overlaps with the groups in the database. It then waits for
    // a connection: there are never more than --concurrency transactions.
    this.lead = o.group > 1 && [...o.targets.values()].every((t) => t.kind === 'db') ? 1 : 0;
    this.queue = new PQueue({
      concurrency: o.concurrency + this.lead,
      ...(o.rate ? { intervalCap: o.rate, interval: 1000 } : {}),
    });
  }

  /** Applies every chain; resolves when all are done, failed, or the signal stopped the run. */
  async run(): Promise<SchedulerOutcome> {
    const { ix, signal, onProgress, t0 } = this.o;
    // Chains: per key, plus one single-item chain per malformed keyless record.
    const chains: Chain[] = [...ix.chains].map(([key, items]) => ({ key, items, pos: 0 }));
    for (const i of ix.loose) chains.push({ key: `line:${ix.line[i]}`, items: [i], pos: 0 });
    for (const c of chains) this.enqueue(c);

    const onAbort = () => {
      this.stopping = true;
      this.queue.clear();
    };
    signal?.addEventListener('abort', onAbort);
    if (signal?.aborted) onAbort();
    const total = ix.read - ix.duplicates;
    const counts = this.tally.counts;
    const progress = setInterval(() => onProgress?.({ ...counts, total, elapsedMs: Date.now() - t0 }), 500);
    try {
      this.pump();
      await this.queue.onIdle();
    } finally {
      clearInterval(progress);
      signal?.removeEventListener('abort', onAbort);
    }
    onProgress?.({ ...counts, total, elapsedMs: Date.now() - t0 });
    return {
      stopped: this.stopping,
      tally: this.tally,
      failures: this.failures,
      opened: this.opened,
      appliedBefore: this.appliedBefore,
    };
  }

  private stats(type: string | undefined): TypeStats {
    return this.tally.of(type);
  }

  /** `accepted` only for this run's own apply: a stored item is validated again when retried. */
  private item(i: number, accepted?: true): WorkItem {
    const { ix } = this.o;
    return {
      text: ix.text[i]!,
      line: ix.line[i]!,
      seq: ix.seq[i]!,
      problem: ix.problem[i],
      ...(accepted && ix.problem[i] === undefined ? { accepted } : {}),
    };
  }

  /**
   * Skips the chain's events the ledgers already hold. A record with a problem (one reusing an
   * applied event's id with other content) is never skipped: it fails when its turn comes, as the
   * dry run says it would.
   */
  private skipDone(c: Chain): void {
    const { ix, done, mine } = this.o;
    const counts = this.tally.counts;
    while (
      c.pos < c.items.length &&
      ix.problem[c.items[c.pos]!] === undefined &&
      done.has(ix.id[c.items[c.pos]!] ?? '\u0000')
    ) {
      const i = c.items[c.pos]!;
      if (mine.has(ix.id[i]!)) this.resumedApplied(i);
      else {
        counts.alreadyApplied++;
        this.stats(ix.type[i]).alreadyApplied++;
      }
      c.pos++;
    }
  }

  /** The run's report covers the whole run: what it applied before the interruption counts as applied. */
  private resumedApplied(i: number): void {
    const { ix, ctx } = this.o;
    this.appliedBefore++;
    this.tally.counts.applied++;
    this.stats(ix.type[i]).applied++;
    // The same values a live apply reports (applyItems → appliedValues), for the same sums; an
    // applied event the checks of today refuse adds nothing to them.
    let prepared: ReturnType<typeof prepare> | undefined;
    try {
      prepared = prepare(ctx, this.item(i, true));
    } catch {
      return;
    }
    const values = appliedValues(prepared.event, prepared.rule);
    if (values) this.tally.addSums(prepared.event.type, prepared.rule.values, values);
  }

  /** Puts the chain on the ready list of the target its next event goes to. */
  private enqueue(c: Chain): void {
    const { ix, mapping } = this.o;
    this.skipDone(c);
    if (c.pos >= c.items.length) return;
    const i = c.items[c.pos]!;
    const rule = ix.problem[i] === undefined ? mapping.events[ix.type[i] ?? ''] : undefined;
    const t = (rule && targetNameOf(rule, mapping, this.o.target)) ?? NO_TARGET;
    const list = this.ready.get(t);
    if (list) list.push(c);
    else this.ready.set(t, [c]);
  }

  /** The chain's head failed for good: it and the rest of its chain become exception items. */
  private async fail(chain: Chain, error: string): Promise<void> {
    const { ix, store, mapping, done, runId } = this.o;
    const counts = this.tally.counts;
    const i = chain.items[chain.pos]!;
    const rest = chain.items.slice(chain.pos + 1).filter((j) => !done.has(ix.id[j] ?? ''));
    counts.failed++;
    this.stats(ix.type[i]).failed++;
    counts.parked += rest.length;
    for (const j of rest) this.stats(ix.type[j]).parked++;
    const rec = await recordChainFailure(store, mapping.name, {
      runId,
      source: this.o.source,
      mappingFile: mapping.file,
      target: this.o.target ?? null,
      key: chain.key,
      failed: {
        eventId: ix.id[i] ?? null,
        type: ix.type[i] ?? null,
        line: ix.line[i]!,
        seq: ix.seq[i]!,
        error,
        item: this.item(i),
      },
      parked: rest.map((j) => ({
        eventId: ix.id[j] ?? null,
        line: ix.line[j]!,
        seq: ix.seq[j]!,
        item: this.item(j),
      })),
    });
    this.opened += rec.opened;
    this.failures.push({
      eventId: ix.id[i] ?? null,
      key: chain.key,
      line: ix.line[i]!,
      error,
      exceptionIds: rec.ids,
      parked: rest.length,
    });
    chain.pos = chain.items.length;
  }

  /** The heads of up to `group` ready chains bound for one database target (one for HTTP). */
  private takeBatch(): { target: string; batch: Chain[] } | undefined {
    for (const [target, list] of this.ready) {
      if (!list.length) continue;
      const size = this.o.targets.get(target)?.kind === 'db' ? this.o.group : 1;
      return { target, batch: list.splice(0, size) };
    }
    return undefined;
  }

  /** One queue task: apply a batch of chain heads, book each outcome, requeue the chains. */
  private readonly task = async (): Promise<void> => {
    if (this.stopping) return;
    const next = this.takeBatch();
    if (!next) return;
    const { ix, ctx, mapping, done } = this.o;
    const counts = this.tally.counts;
    const { batch } = next;
    const outcomes = await applyItems(
      ctx,
      batch.map((c) => this.item(c.items[c.pos]!, true)),
    );
    // Let the group waiting for this connection reach the database before this one's bookkeeping
    // (and the next group's preparation) takes the thread.
    if (this.lead) await new Promise<void>((resolve) => setImmediate(resolve));
    for (const [n, c] of batch.entries()) {
      const o = outcomes[n]!;
      const i = c.items[c.pos]!;
      if (o.status === 'failed') {
        await this.fail(c, o.error);
        continue;
      }
      counts[o.status]++;
      this.stats(ix.type[i])[o.status]++;
      if (o.status === 'applied' && o.values) {
        this.tally.addSums(ix.type[i]!, mapping.events[o.event.type]?.values, o.values);
      }
      done.add(o.event.id);
      c.pos++;
      if (!this.stopping) this.enqueue(c);
    }
    this.pump();
  };

  /** Keeps the queue full while chains are ready. */
  private pump(): void {
    let waiting = 0;
    for (const list of this.ready.values()) waiting += list.length;
    while (!this.stopping && this.queue.size < this.o.concurrency + this.lead && waiting > 0) {
      void this.queue.add(this.task);
      waiting -= this.o.group;
    }
  }
}

import type { EventsMapping } from '../config/events-schema.js';
import type { EventIndex } from './ordering.js';
import type { Target } from './targets.js';
import { ReplayTally, type ReplayCounts, type TypeStats } from './tally.js';
import { fillTemplate, resolveColumns } from './resolve.js';
import { prepare } from './executor.js';
import type { WriteColumns } from './write-values.js';

/** One change replay would make, with the target's current rows for it. */
export interface PlannedChange {
  eventId: string;
  type: string;
  key: string;
  target: string;
  action: string;
  table?: string;
  match?: Record<string, unknown>;
  values?: Record<string, unknown>;
  request?: string;
  currentRows?: number;
}

export interface DryRunResult {
  counts: ReplayCounts;
  byType: Record<string, TypeStats>;
  /** Events that would fail now: malformed, a path missing, or an update/increment matching no row. */
  wouldFail: { eventId: string | null; line: number; problem: string }[];
  sample: PlannedChange[];
  /** How many events were looked up in the target (the cap keeps a huge dry run quick). */
  lookedUp: number;
}

const LOOKUP_CAP = 10_000;
const SAMPLE = 20;

/**
 * Validates every event and shows what replay would change, writing nothing. Matched rows are
 * looked up read-only (a plain SELECT) for the first 10,000 events; lookups see the target as it
 * is now, not as earlier events of the same replay would leave it.
 */
export async function dryRun(args: {
  ix: EventIndex;
  mapping: EventsMapping;
  targets: Map<string, Target>;
  done: Set<string>;
  targetOverride?: string;
  columns?: WriteColumns;
}): Promise<DryRunResult> {
  const { ix, mapping, targets, done } = args;
  const tally = new ReplayTally(ix.read, ix.duplicates);
  const counts = tally.counts;
  const wouldFail: DryRunResult['wouldFail'] = [];
  const sample: PlannedChange[] = [];
  let lookedUp = 0;
  for (let i = 0; i < ix.text.length; i++) {
    const s = tally.of(ix.type[i]);
    s.read++;
    const failNow = (problem: string) => {
      counts.failed++;
      s.failed++;
      wouldFail.push({ eventId: ix.id[i] ?? null, line: ix.line[i]!, problem });
    };
    if (ix.problem[i]) {
      failNow(ix.problem[i]!);
      continue;
    }
    if (done.has(ix.id[i]!)) {
      counts.alreadyApplied++;
      s.alreadyApplied++;
      continue;
    }
    let prepared: ReturnType<typeof prepare>;
    try {
      // The real run's own preparation: the same parsing, validation and value checks.
      prepared = prepare(
        { mapping, targetOverride: args.targetOverride, columns: args.columns },
        { text: ix.text[i]!, line: ix.line[i]!, seq: ix.seq[i]! },
      );
    } catch (err) {
      failNow((err as Error).message);
      continue;
    }
    const { event: ev, rule, target: targetName } = prepared;
    const target = targets.get(targetName);
    try {
      const change: PlannedChange = {
        eventId: ev.id,
        type: ev.type,
        key: ev.key,
        target: targetName,
        action: rule.action ?? 'http',
      };
      if (rule.request) change.request = `${rule.request.method} ${fillTemplate(ev, rule.request.path)}`;
      else {
        change.table = rule.table;
        change.match = resolveColumns(ev, rule.match);
        change.values = resolveColumns(ev, rule.values);
        if (target?.kind === 'db' && rule.action !== 'insert' && lookedUp < LOOKUP_CAP) {
          lookedUp++;
          const row = (await target.knex(rule.table!).where(change.match).count({ n: '*' }).first()) as {
            n: unknown;
          };
          change.currentRows = Number(row?.n ?? 0);
          if (change.currentRows === 0 && (rule.action === 'update' || rule.action === 'increment')) {
            failNow(`no row in ${rule.table} matches ${JSON.stringify(change.match)} now`);
            continue;
          }
        }
        tally.addSums(ev.type, rule.values, change.values);
      }
      counts.applied++;
      s.applied++;
      if (sample.length < SAMPLE) sample.push(change);
    } catch (err) {
      failNow((err as Error).message);
    }
  }
  return { counts, byType: tally.types(), wouldFail, sample, lookedUp };
}

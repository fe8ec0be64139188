import { dict } from '../util/dict.js';
import { DecimalSums } from './decimal-sums.js';

export interface ReplayCounts {
  read: number;
  applied: number;
  alreadyApplied: number;
  failed: number;
  parked: number;
}

/** Per event type: counts, and the exact sums of numeric values applied (quantities, amounts). */
export interface TypeStats extends ReplayCounts {
  sums: Record<string, string>;
}

/**
 * A replay's counts, in all and per event type, with the exact sums of the values applied: one
 * bookkeeping for a run and for its dry run, so the two reports agree.
 */
export class ReplayTally {
  readonly counts: ReplayCounts;
  private readonly byType = dict<TypeStats>();
  private readonly sums = new Map<string, DecimalSums>();

  /** `read` records, `duplicates` of them repeats of an earlier event (counted as already applied). */
  constructor(read: number, duplicates: number) {
    this.counts = { read, applied: 0, alreadyApplied: duplicates, failed: 0, parked: 0 };
  }

  /** The counts of one event type (a record without a readable type counts as "(unknown)"). */
  of(type: string | undefined): TypeStats {
    return (this.byType[type ?? '(unknown)'] ??= {
      read: 0,
      applied: 0,
      alreadyApplied: 0,
      failed: 0,
      parked: 0,
      sums: dict<string>(),
    });
  }

  /** Adds an applied event's values of the columns its mapping reads from the event to its type's sums. */
  addSums(type: string, specs: Record<string, unknown> | undefined, values: Record<string, unknown>): void {
    let acc = this.sums.get(type);
    if (!acc) this.sums.set(type, (acc = new DecimalSums()));
    acc.addMapped(specs, values);
  }

  /** Per event type, with the sums written out. */
  types(): Record<string, TypeStats> {
    for (const [type, acc] of this.sums) acc.writeTo(this.of(type).sums);
    return this.byType;
  }
}

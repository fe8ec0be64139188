/**
 * Refund cycle time (requested → refunded) per side and per channel, so the new ERP's process can be
 * compared with the old one's and not only its rows. Durations are integer milliseconds and the
 * percentiles are nearest-rank, so every figure is one of the observed durations: no float rounding.
 */
import type { CanonicalRow, Side } from '../types.js';

/** One side and channel's cycle time (`channel` null: every channel of that side). */
export interface CycleTime {
  side: Side;
  channel: string | null;
  /** Refunds with both times, refunded at or after requested. */
  refunds: number;
  /** Refunds whose refunded time is before their requested time: left out, counted. */
  negative: number;
  p50Ms: number;
  p90Ms: number;
}

/**
 * The nearest-rank percentile of ascending integers: the smallest value with at least `percent`% of
 * the values at or below it (rank ⌈percent·n/100⌉, in integer arithmetic).
 */
export function nearestRank(sorted: readonly number[], percent: number): number {
  if (!sorted.length) throw new RangeError('no values');
  const rank = Math.max(1, Math.floor((percent * sorted.length + 99) / 100));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** One side's collected durations and negatives, as plain data. */
export interface CycleState {
  durations: [string, number[]][];
  negatives: [string, number][];
}

/** Collects durations from canonical rows of both sides and summarises them. */
export class CycleTimes {
  private readonly durations = new Map<string, number[]>();
  private readonly negatives = new Map<string, number>();

  /** The fields playing requested_at, refunded_at and (optionally) channel. */
  constructor(private readonly fields: { requestedAt: string; refundedAt: string; channel?: string }) {}

  add(side: Side, rows: readonly CanonicalRow[]): void {
    for (const row of rows) {
      const requested = row[this.fields.requestedAt];
      const refunded = row[this.fields.refundedAt];
      if (!requested || !refunded) continue;
      const ms = Date.parse(refunded) - Date.parse(requested);
      if (!Number.isSafeInteger(ms)) continue;
      const ids = [`${side}\u0000`];
      const channel = this.fields.channel === undefined ? undefined : row[this.fields.channel];
      if (channel !== null && channel !== undefined) ids.push(`${side}\u0000${channel}`);
      for (const id of ids) {
        if (ms < 0) this.negatives.set(id, (this.negatives.get(id) ?? 0) + 1);
        else {
          const list = this.durations.get(id);
          if (list) list.push(ms);
          else this.durations.set(id, [ms]);
        }
      }
    }
  }

  /** What `add` collected for one side, as plain data (a reader thread's, posted to the main thread). */
  exportSide(side: Side): CycleState {
    const mine = <T>(m: Map<string, T>) => [...m].filter(([id]) => id.startsWith(`${side}\u0000`));
    return { durations: mine(this.durations), negatives: mine(this.negatives) };
  }

  /** Adds a reader thread's collected durations (exportSide). */
  importSide(state: CycleState): void {
    for (const [id, list] of state.durations) {
      const mine = this.durations.get(id);
      if (mine) for (const ms of list) mine.push(ms);
      else this.durations.set(id, list);
    }
    for (const [id, n] of state.negatives) this.negatives.set(id, (this.negatives.get(id) ?? 0) + n);
  }

  /** Per side (all channels first, then each channel by name): counts and p50/p90. */
  summary(): CycleTime[] {
    const ids = [...new Set([...this.durations.keys(), ...this.negatives.keys()])].sort((a, b) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return ids.map((id) => {
      const [side, channel = ''] = id.split('\u0000') as [Side, string];
      const list = (this.durations.get(id) ?? []).sort((a, b) => a - b);
      return {
        side,
        channel: channel === '' ? null : channel,
        refunds: list.length,
        negative: this.negatives.get(id) ?? 0,
        p50Ms: list.length ? nearestRank(list, 50) : 0,
        p90Ms: list.length ? nearestRank(list, 90) : 0,
      };
    });
  }
}

import type { BulkDatabase } from '../adapters/sqlite/bulk-file.js';
import { createPrng, type Prng } from './prng.js';
import { LocalClock } from './local-time.js';
import { BATCH_CUTOFF_HOUR, DAYS, FIRST_DAY, RETAILER_ZONE, demoSizes, type DemoSizes } from './retailer.js';

/** A captured business event (SPEC "Captured events"), before ids are given in time order. */
export interface CapturedEvent {
  id: string;
  type: string;
  key: string;
  occurredAt: string;
  payload: Record<string, string>;
}

/** What every part of the generator shares: the PRNG, the sizes, the clock and the calendar. */
export interface DemoContext {
  prng: Prng;
  sizes: DemoSizes;
  clock: LocalClock;
  legacy: BulkDatabase;
  cloud: BulkDatabase;
  /** First local midnight of the period, as if UTC (wall-clock ms). */
  firstDayWall: number;
  /** UTC instants: start of the period, last night's batch cutoff, end of last night. */
  startUtc: number;
  cutoffUtc: number;
  nightEndUtc: number;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Builds the shared context for one seed and scale over two open databases. */
export function createContext(
  seed: number,
  scale: number,
  legacy: BulkDatabase,
  cloud: BulkDatabase,
): DemoContext {
  const clock = new LocalClock(RETAILER_ZONE);
  const firstDayWall = Date.parse(`${FIRST_DAY}T00:00:00Z`);
  const lastDayWall = firstDayWall + (DAYS - 1) * DAY;
  return {
    prng: createPrng(seed),
    sizes: demoSizes(scale),
    clock,
    legacy,
    cloud,
    firstDayWall,
    startUtc: clock.fromLocal(firstDayWall),
    cutoffUtc: clock.fromLocal(lastDayWall + BATCH_CUTOFF_HOUR * HOUR),
    nightEndUtc: clock.fromLocal(lastDayWall + DAY - 1000),
  };
}

/** A random UTC instant before last night's batch cutoff, to the second. */
export function instantBeforeCutoff(ctx: DemoContext): number {
  return ctx.startUtc + ctx.prng.int(0, Math.floor((ctx.cutoffUtc - ctx.startUtc) / 1000) - 1) * 1000;
}

/** A random UTC instant last night, after the batch cutoff (what the cloud has not seen yet). */
export function instantLastNight(ctx: DemoContext): number {
  return ctx.cutoffUtc + ctx.prng.int(0, Math.floor((ctx.nightEndUtc - ctx.cutoffUtc) / 1000)) * 1000;
}

/** Quantity text at scale 3, as the cloud stores eaches: 24 → "24.000". */
export const qtyText = (n: number): string => `${n}.000`;

/** Cents to exact decimal text: 10889 → "108.89", -5 → "-0.05". */
export function centsText(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

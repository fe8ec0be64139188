/**
 * Wall-clock conversions for the retailer's time zone. The legacy ERP stores naive store-local
 * times; the cloud stores UTC. Offsets come from Intl (correct across the 1 November DST change),
 * cached (src/util/zoned-time.ts) because the generator converts up to a million timestamps.
 */
import { zoneOffsetMs } from '../util/zoned-time.js';

/** Converts between UTC instants and naive wall-clock text in one IANA zone. */
export class LocalClock {
  constructor(readonly zone: string) {}

  /** The zone's offset from UTC (ms, negative west of Greenwich) at a UTC instant. */
  offsetAt(utcMs: number): number {
    return zoneOffsetMs(this.zone, utcMs);
  }

  /** The naive local wall-clock text (`YYYY-MM-DD HH:MM:SS`) of a UTC instant. */
  local(utcMs: number): string {
    return naiveText(utcMs + this.offsetAt(utcMs));
  }

  /** The UTC instant of a local wall-clock time given as if it were UTC (not inside a DST gap). */
  fromLocal(wallMs: number): number {
    const guess = wallMs - this.offsetAt(wallMs);
    return wallMs - this.offsetAt(guess);
  }
}

/** `YYYY-MM-DD HH:MM:SS` of an instant's UTC fields. */
export function naiveText(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** `YYYY-MM-DDTHH:MM:SSZ`: the cloud's UTC timestamps, to the second. */
export function utcText(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

/**
 * Wall-clock conversions for the retailer's time zone. The legacy ERP stores naive store-local
 * times; the cloud stores UTC. Offsets come from Intl (correct across the 1 November DST change),
 * cached per hour because the generator converts up to a million timestamps.
 */
const HOUR = 3_600_000;

/** Converts between UTC instants and naive wall-clock text in one IANA zone. */
export class LocalClock {
  private readonly cache = new Map<number, number>();
  private readonly fmt: Intl.DateTimeFormat;

  constructor(readonly zone: string) {
    this.fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  }

  /** The zone's offset from UTC (ms, negative west of Greenwich) at a UTC instant. */
  offsetAt(utcMs: number): number {
    const hour = Math.floor(utcMs / HOUR);
    let off = this.cache.get(hour);
    if (off === undefined) {
      const parts = Object.fromEntries(
        this.fmt.formatToParts(new Date(hour * HOUR)).map((p) => [p.type, p.value]),
      );
      const wall = Date.UTC(
        Number(parts.year),
        Number(parts.month) - 1,
        Number(parts.day),
        Number(parts.hour),
        Number(parts.minute),
        Number(parts.second),
      );
      off = wall - hour * HOUR;
      this.cache.set(hour, off);
    }
    return off;
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

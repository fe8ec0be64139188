/** Milliseconds of an age written like `30m`, `12h`, `3d` or `2w` (a bare number is days); undefined when it is not one. */
export function ageMs(text: string): number | undefined {
  const m = /^(\d+)\s*(m|min|h|d|w)?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = { m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[
    (m[2] ?? 'd').toLowerCase() as 'm'
  ];
  return Number(m[1]) * unit;
}

/**
 * Milliseconds of a wait or an age in seconds and up: `90s`, `5m`, `1h`, `2d` (and `500ms`); a bare
 * number is seconds. Undefined when it is not one.
 */
export function durationMs(text: string): number | undefined {
  const m = /^(\d+)\s*(ms|s|sec|m|min|h|d)?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 }[
    (m[2] ?? 's').toLowerCase() as 's'
  ];
  return Number(m[1]) * unit;
}

/**
 * The clock that ages are measured against: now, or `CUTOVER_NOW` (an ISO instant) to see the queue
 * as it will stand at another time (what is overdue on Monday morning), and in tests.
 */
export function clockNow(): Date {
  const at = process.env.CUTOVER_NOW;
  if (at) {
    const d = new Date(at);
    if (!Number.isNaN(d.getTime())) return d;
  }
  return new Date();
}

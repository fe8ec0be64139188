/** The progress line a person sees on a TTY while both sides are read: rows per side and the rate. */
import type { Side } from './types.js';

export interface Progress {
  /** Counts rows read on one side. */
  rows(side: Side, n: number): void;
  /** Names what is being reconciled (one mapping after another). */
  start(name: string): void;
  /** Clears the line. */
  done(): void;
}

const noop: Progress = { rows() {}, start() {}, done() {} };

/** A progress line on `stream` (stderr), redrawn in place at most every `intervalMs`; silent off a TTY. */
export function createProgress(
  opts: {
    enabled?: boolean;
    stream?: NodeJS.WriteStream;
    intervalMs?: number;
    now?: () => number;
  } = {},
): Progress {
  const stream = opts.stream ?? process.stderr;
  if (!(opts.enabled ?? Boolean(stream.isTTY))) return noop;
  const now = opts.now ?? (() => performance.now());
  const interval = opts.intervalMs ?? 200;
  let name = '';
  let legacy = 0;
  let cloud = 0;
  let t0 = now();
  let last = 0;
  let shown = false;
  const draw = () => {
    const secs = Math.max((now() - t0) / 1000, 0.001);
    const rate = Math.round((legacy + cloud) / secs);
    const fmt = (n: number) => n.toLocaleString('en-US');
    stream.write(
      `\r\x1b[2K${name}: legacy ${fmt(legacy)} rows, cloud ${fmt(cloud)} rows, ${fmt(rate)} rows/s`,
    );
    shown = true;
  };
  return {
    start(n) {
      name = n;
      legacy = 0;
      cloud = 0;
      t0 = now();
      last = 0;
    },
    rows(side, n) {
      if (side === 'legacy') legacy += n;
      else cloud += n;
      const t = now();
      if (t - last >= interval) {
        last = t;
        draw();
      }
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}

/**
 * CPU accounting for the benchmarks (Linux, /proc): what a command and the database behind it
 * spend in CPU time, beside wall time. On a machine whose cores the database shares, the CPU a run
 * needs, divided by the cores, is the least wall time it can take: `where the time goes` in a form
 * that does not move with the machine's load as much as wall time does.
 *
 * A probe polls, every POLL_MS, the utime + stime of the threads of one process (its main thread
 * apart: its id is the process id) and of the local PostgreSQL server's backends (the children of
 * the postmaster). A thread or backend that ends between two polls loses at most that interval.
 * Figures are in seconds, at the kernel's clock tick (USER_HZ, 100 on Linux: 10 ms).
 */
import fs from 'node:fs';

const POLL_MS = 20;
/** USER_HZ: the unit of utime and stime in /proc/…/stat, 100 on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** utime + stime of /proc/<path>/stat in seconds, or undefined once it is gone. */
function cpuSeconds(statPath: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(statPath, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: the fields after it follow the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state): utime and stime are fields 14 and 15.
  return (Number(rest[11]) + Number(rest[12])) / TICKS_PER_SECOND;
}

/** The children of process `pid` (its main thread's), or [] when the kernel does not list them. */
function childrenOf(pid: number): number[] {
  try {
    const text = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return text ? text.split(' ').map(Number) : [];
  } catch {
    return [];
  }
}

/** The parent of process `pid`, from /proc (undefined when it cannot be read). */
export function parentOf(pid: number): number | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Whether this machine has /proc to read (Linux). */
export const canProbe = fs.existsSync('/proc/self/stat');

/** CPU seconds, by whom. */
export interface CpuFigures {
  /** The process's main thread (undefined when no process was probed). */
  main?: number;
  /** Its other threads: worker threads, V8's compiler and GC helpers, libuv's pool. */
  others?: number;
  /** The PostgreSQL backends (undefined when no postmaster was given). */
  database?: number;
}

/** Polls a process's threads and a postmaster's backends until `stop`. */
export class CpuProbe {
  private readonly threads = new Map<number, number>();
  private readonly backends = new Map<number, { first: number; last: number }>();
  private readonly timer: NodeJS.Timeout;

  /**
   * `pid`: the process to follow (its threads), or undefined; `postmaster`: the PostgreSQL server's
   * pid, or undefined. Backends already there count from their CPU at the start.
   */
  constructor(
    private readonly pid: number | undefined,
    private readonly postmaster: number | undefined,
  ) {
    this.poll(true);
    this.timer = setInterval(() => this.poll(false), POLL_MS);
  }

  private poll(first: boolean): void {
    if (this.pid !== undefined) {
      let tids: string[] = [];
      try {
        tids = fs.readdirSync(`/proc/${this.pid}/task`);
      } catch {
        // The process has ended: its threads' last figures stand.
      }
      for (const t of tids) {
        const s = cpuSeconds(`/proc/${this.pid}/task/${t}/stat`);
        if (s !== undefined) this.threads.set(Number(t), s);
      }
    }
    if (this.postmaster !== undefined)
      for (const b of childrenOf(this.postmaster)) {
        const s = cpuSeconds(`/proc/${b}/stat`);
        if (s === undefined) continue;
        const seen = this.backends.get(b);
        if (seen) seen.last = s;
        // A backend first seen after the start began within the probe: all its CPU counts.
        else this.backends.set(b, { first: first ? s : 0, last: s });
      }
  }

  /** Stops polling (one last poll first) and returns the figures. */
  stop(): CpuFigures {
    this.poll(false);
    clearInterval(this.timer);
    const out: CpuFigures = {};
    if (this.pid !== undefined) {
      out.main = this.threads.get(this.pid) ?? 0;
      let others = 0;
      for (const [tid, s] of this.threads) if (tid !== this.pid) others += s;
      out.others = others;
    }
    if (this.postmaster !== undefined) {
      let db = 0;
      for (const { first, last } of this.backends.values()) db += last - first;
      out.database = db;
    }
    return out;
  }
}

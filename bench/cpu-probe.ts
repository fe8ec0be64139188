/**
 * CPU accounting for the benchmarks (Linux, /proc): what a command and the database behind it
 * spend in CPU time, beside wall time. On a machine whose cores the database shares, the CPU a run
 * needs, divided by the cores, is the least wall time it can take: `where the time goes` in a form
 * that does not move with the machine's load as much as wall time does.
 *
 * A probe polls, every POLL_MS, the utime + stime of the threads of one process (its main thread
 * apart: its id is the process id) and of the local PostgreSQL server's backends connected to one
 * database (the postmaster's children whose process title names it: not the server's background
 * processes, nor other clients). A thread or backend that ends between two polls loses at most that
 * interval. Figures are in seconds, at the kernel's clock tick (USER_HZ, 100 on Linux: 10 ms). One
 * poll costs ~0.3 ms of CPU (~1.5% of a core at this interval), counted in the bench process's own.
 */
import fs from 'node:fs';

const POLL_MS = 20;
/** USER_HZ: the unit of utime and stime in /proc/…/stat, 100 on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/**
 * The fields of a /proc/…/stat file from the third on (state, ppid, …), or undefined once it is gone.
 * The command name (field 2) may hold spaces and parentheses: the fields after it follow the last ')'.
 */
function statFields(statPath: string): string[] | undefined {
  let text: string;
  try {
    text = fs.readFileSync(statPath, 'utf8');
  } catch {
    return undefined;
  }
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime (fields 14 and 15) of /proc/<path>/stat in seconds, or undefined once it is gone. */
function cpuSeconds(statPath: string): number | undefined {
  const f = statFields(statPath);
  return f && (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND;
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

/** The parent of process `pid` (field 4), from /proc (undefined when it cannot be read). */
export function parentOf(pid: number): number | undefined {
  const f = statFields(`/proc/${pid}/stat`);
  return f && Number(f[1]);
}

/**
 * Whether process `pid` is a backend connected to `database`: its title is "postgres: [cluster:]
 * user database host(port) activity" (the cluster's name when the server has one, as Debian's do).
 * 'unknown' while it has no such title yet: a backend just forked still carries the postmaster's
 * command line until it has read its client's startup message.
 */
export function isBackendOf(pid: number, database: string): 'yes' | 'no' | 'unknown' {
  let title: string;
  try {
    title = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return 'unknown';
  }
  if (!title.startsWith('postgres: ')) return 'unknown';
  const words = title.slice('postgres: '.length).split(' ');
  if (words[0]?.endsWith(':')) words.shift();
  return words[1] === database ? 'yes' : 'no';
}

/** Whether this machine has /proc to read (Linux). */
export const canProbe = fs.existsSync('/proc/self/stat');

/** CPU seconds, by whom. */
export interface CpuFigures {
  /** The process's main thread (0 when no process was probed). */
  main: number;
  /** Its other threads: worker threads, V8's compiler and GC helpers, libuv's pool. */
  others: number;
  /** The PostgreSQL backends of the database. */
  database: number;
}

/** The local server to follow: its postmaster's pid and the database whose backends count. */
export interface ServerToProbe {
  postmaster: number;
  database: string;
}

/** Polls a process's threads and a database's backends until `stop`. */
export class CpuProbe {
  private readonly threads = new Map<number, number>();
  private readonly backends = new Map<number, { first: number; last: number }>();
  /** Children of the postmaster seen to be something else (not read again). */
  private readonly others = new Set<number>();
  private readonly timer: NodeJS.Timeout;

  /**
   * `pid`: the process to follow (its threads), or undefined; `server`: the PostgreSQL server and
   * database whose backends to follow. Backends already there count from their CPU at the start.
   */
  constructor(
    private readonly pid: number | undefined,
    private readonly server: ServerToProbe,
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
    for (const b of childrenOf(this.server.postmaster)) {
      if (this.others.has(b)) continue;
      if (!this.backends.has(b)) {
        const is = isBackendOf(b, this.server.database);
        if (is === 'no') this.others.add(b);
        if (is !== 'yes') continue;
      }
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
    let others = 0;
    for (const [tid, s] of this.threads) if (tid !== this.pid) others += s;
    let database = 0;
    for (const { first, last } of this.backends.values()) database += last - first;
    const main = this.pid === undefined ? 0 : (this.threads.get(this.pid) ?? 0);
    return { main, others, database };
  }
}

/**
 * Reconcile benchmark (issues 16 and 15): `npm run bench:reconcile -- [--rows N] [--diff PCT] [--memory MB]
 * [--runs K] [--suite | --scenarios ROWS@PCT,...] [--pushdown] [--keep] [--debug] [--url URL]`.
 *
 * With --pushdown (issue 15), per scenario (default: 1M and 10M rows, clean and 0.1% scattered) it
 * measures one count(*) + checksum scan per side, the command with --pushdown off and with
 * --pushdown on, each checked exact, and prints the ratios and the rows moved. Without it, the
 * command runs with --pushdown off: the streaming engine against the floor (issue 16).
 *
 * Per scenario it builds two tables of N rows in a fresh PostgreSQL database (legacy-like and
 * cloud-like column types), injects about PCT% differences of every class with a known formula,
 * writes a temporary project folder (cutover.yaml with two read-only connections to that database,
 * a SQLite control store, one mapping) and measures, alternately, K times each:
 *   floor   — both tables streamed in key order with COPY (SELECT ... ORDER BY key) TO STDOUT through
 *             pg + pg-copy-streams, in parallel, the bytes discarded;
 *   command — a child process `node bin/run.js reconcile bench_inventory --json --memory MB` (report
 *             json) on a fresh control store, its wall time and its peak RSS (maxRSS at exit, read by
 *             an --import hook: the whole process, threads included).
 * Every command run must exit 1 and report exactly the injected counts, open one exception item per
 * difference and write one differences.jsonl line per difference (exit 1 if not). It prints one
 * markdown table row per scenario (medians of K; peak RSS the max) and the machine's load average.
 * With the server on this machine (Linux), a second table gives CPU seconds (bench/cpu-probe.ts): the
 * floor's (this process and the database's backends) and the command's (its main thread, its other
 * threads, the database's backends), and the least wall time the command's CPU allows on the cores.
 * `--suite` runs the issue's three scenarios: 1M rows at 1% and 10% differences, 10M at 1%.
 * The build must be current: `npm run bench:reconcile` runs scripts/build-if-stale.mjs first.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { benchArgs, percentage, toPercentage, toWholeNumber, usageError, wholeNumber } from './bench-args.js';
import { canProbe, CpuProbe, parentOf, type CpuFigures } from './cpu-probe.js';

const USAGE = `Usage: npm run bench:reconcile -- [--rows N] [--diff PCT] [--memory MB] [--runs K]
         [--suite | --scenarios ROWS@PCT,...] [--pushdown] [--keep] [--debug] [--url URL]

  --rows N             rows per table (default 1000000)
  --diff PCT           differing keys, in percent of N: 0 to 100, such as 1 or 0.1 (default 1)
  --memory MB          the command's --memory (default 512)
  --runs K             times the floor and the command are each measured (default 3)
  --suite              the issue's three scenarios: 1000000@1,1000000@10,10000000@1
  --scenarios R@P,...  scenarios in sequence, ROWS@PCT each, in place of --rows and --diff
  --pushdown           the command with --pushdown on, against off and a checksum scan; alone, it runs
                       1M and 10M rows, clean and at 0.1%
  --keep               keep each scenario's database and project folder
  --debug              pass --debug to the command and show its log as it runs
  --url URL            the PostgreSQL server (default $CUTOVER_BENCH_PG_URL, else
                       postgres://postgres@127.0.0.1:5432/postgres)
  -h, --help           this text`;

const { values: args } = benchArgs(USAGE, () =>
  parseArgs({
    options: {
      rows: { type: 'string', default: '1000000' },
      /** Share of keys that differ, in percent, spread over every class of difference. */
      diff: { type: 'string', default: '1' },
      memory: { type: 'string', default: '512' },
      runs: { type: 'string', default: '3' },
      /** ROWS@PCT,ROWS@PCT...: several scenarios in sequence. */
      scenarios: { type: 'string' },
      /** The issue's three scenarios: 1000000@1,1000000@10,10000000@1. */
      suite: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      /**
       * Checksum pushdown (issue 15): per scenario, the command with --pushdown on against
       * --pushdown off and against one count(*) + checksum scan per side, and the rows moved.
       * `--pushdown` alone runs the issue's scenarios: 1M and 10M rows, clean and 0.1% scattered.
       */
      pushdown: { type: 'boolean', default: false },
      /** Pass --debug to the command and show its log (stderr) as it runs. */
      debug: { type: 'boolean', default: false },
      url: {
        type: 'string',
        default: process.env.CUTOVER_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      },
    },
  }),
);

const SUITE = '1000000@1,1000000@10,10000000@1';
const PUSHDOWN_SUITE = '1000000@0,1000000@0.1,10000000@0,10000000@0.1';
const adminUrl = args.url!;
const memoryMb = wholeNumber(USAGE, '--memory', args.memory);
const runs = wholeNumber(USAGE, '--runs', args.runs);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin', 'run.js');
const MAPPING = 'bench_inventory';
const COLS = ['sku', 'loc', 'on_hand', 'unit_cost', 'amount', 'status'];

interface Scenario {
  rows: number;
  pct: number;
}
/** ROWS@PCT,ROWS@PCT...: ROWS a whole number of 1 or more, PCT a percentage (as --diff takes it). */
function parseScenarios(list: string): Scenario[] {
  return list.split(',').map((s) => {
    const [rowsText, pctText, ...rest] = s.split('@');
    const rows = toWholeNumber(rowsText!);
    const pct = pctText === undefined ? undefined : toPercentage(pctText);
    if (rows === undefined || pct === undefined || rest.length)
      usageError(
        USAGE,
        `--scenarios ${list}: "${s}" is not ROWS@PCT (ROWS a whole number of 1 or more, PCT a percentage from 0 to 100).`,
      );
    return { rows, pct };
  });
}
const oneScenario: Scenario = {
  rows: wholeNumber(USAGE, '--rows', args.rows),
  pct: percentage(USAGE, '--diff', args.diff),
};
const listed = args.scenarios === undefined ? undefined : parseScenarios(args.scenarios);
const scenarios: Scenario[] = args.suite
  ? parseScenarios(SUITE)
  : (listed ?? (args.pushdown ? parseScenarios(PUSHDOWN_SUITE) : [oneScenario]));

/**
 * The injection, by row number i (1..N): with a period P = 600 / PCT, i % P = 1 an on_hand mismatch,
 * 5 a status mismatch, 2 missing in cloud, 3 duplicated in cloud, 4 duplicated in legacy; and N/P
 * rows N+1..N+N/P only in cloud (missing in legacy). Six differing keys per P rows: PCT% of N,
 * scattered over the key space. PCT 0: a clean pair.
 */
class Injection {
  /** 0: nothing injected. */
  readonly period: number;
  constructor(
    readonly rows: number,
    pct: number,
  ) {
    this.period = pct === 0 ? 0 : Math.max(6, Math.round(600 / pct));
  }
  /** How many i in 1..N have i % P = r. */
  private at(r: number): number {
    if (!this.period) return 0;
    return this.rows >= r ? Math.floor((this.rows - r) / this.period) + 1 : 0;
  }
  get onlyInCloud(): number {
    return this.period ? Math.floor(this.rows / this.period) : 0;
  }
  /** The SQL condition of row i being injected with class r. */
  private hit(r: number): string {
    return this.period ? `i % ${this.period} = ${r}` : 'false';
  }
  /** What the command must report. */
  expected() {
    const N = this.rows;
    const [onHand, missingCloud, dupCloud, dupLegacy, status] = [1, 2, 3, 4, 5].map((r) => this.at(r));
    const counts = {
      legacy: N + dupLegacy!,
      cloud: N - missingCloud! + dupCloud! + this.onlyInCloud,
      matched: N - onHand! - missingCloud! - dupCloud! - dupLegacy! - status!,
      mismatched: onHand! + status!,
      missingInCloud: missingCloud!,
      missingInLegacy: this.onlyInCloud,
      duplicateKeys: dupCloud! + dupLegacy!,
    };
    const differences =
      counts.mismatched + counts.missingInCloud + counts.missingInLegacy + counts.duplicateKeys;
    return { counts, fieldMismatches: { on_hand: onHand!, status: status! }, differences };
  }
  /** The SQL that loads both tables. */
  loads(): { legacy: string[]; cloud: string[] } {
    const N = this.rows;
    const key = `'Sku-' || (i / 100) AS sku, CASE WHEN i % 2 = 0 THEN 'dc-' ELSE 'DC_' END || (i % 100) AS loc`;
    const values = (cloud: boolean) =>
      [
        `round((i % 9973) * 1.125, 3)${cloud ? ` + CASE WHEN i <= ${N} AND ${this.hit(1)} THEN 1 ELSE 0 END` : ''} AS on_hand`,
        `round((i % 997) / 7.0, 4) AS unit_cost`,
        `round((i % 10007) * 0.37, 2) AS amount`,
        `CASE WHEN ${cloud ? `i <= ${N} AND ${this.hit(5)}` : 'false'} THEN 'damaged' WHEN i % 3 = 0 THEN 'sellable' WHEN i % 3 = 1 THEN 'quarantine' ELSE 'blocked' END AS status`,
      ].join(', ');
    return {
      legacy: [
        `INSERT INTO legacy_inv SELECT ${key}, ${values(false)} FROM generate_series(1, ${N}) i`,
        `INSERT INTO legacy_inv SELECT ${key}, ${values(false)} FROM generate_series(1, ${N}) i WHERE ${this.hit(4)}`,
      ],
      cloud: [
        `INSERT INTO cloud_inv SELECT ${key}, ${values(true)} FROM generate_series(1, ${N + this.onlyInCloud}) i WHERE i > ${N} OR NOT (${this.hit(2)})`,
        `INSERT INTO cloud_inv SELECT ${key}, ${values(true)} FROM generate_series(1, ${N}) i WHERE ${this.hit(3)}`,
      ],
    };
  }
}

// Legacy char(N) columns come padded: the mapping trims loc and status (the field-level `trim`).
const mappingYaml = `name: ${MAPPING}
key: [sku, loc]
fields:
  sku: { type: string }
  loc: { type: string, trim: true }
  on_hand: { type: decimal, scale: 3 }
  unit_cost: { type: decimal, scale: 4 }
  amount: { type: decimal, scale: 2 }
  status: { type: string, trim: true }
legacy:
  connection: legacy
  table: legacy_inv
  columns: { ${COLS.map((c) => `${c}: ${c}`).join(', ')} }
cloud:
  connection: cloud
  table: cloud_inv
  columns: { ${COLS.map((c) => `${c}: ${c}`).join(', ')} }
`;

const RSS_HOOK =
  "import fs from 'node:fs';\nprocess.on('exit', () => fs.writeFileSync(process.env.CUTOVER_BENCH_RSS, String(process.resourceUsage().maxRSS)));\n";

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function databaseUrl(name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

async function setup(dbName: string, inj: Injection): Promise<void> {
  const dbUrl = databaseUrl(dbName);
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${dbName}`));
  await withClient(dbUrl, async (c) => {
    // Legacy-like types (CHAR padding, narrow numerics) against cloud-like ones (wider numerics):
    // the command must see through the difference in how each prints the same value.
    await c.query(
      `CREATE UNLOGGED TABLE legacy_inv (sku varchar(20), loc char(8), on_hand numeric(18,3), unit_cost numeric(19,4), amount numeric(18,2), status char(12))`,
    );
    await c.query(
      `CREATE UNLOGGED TABLE cloud_inv (sku text, loc text, on_hand numeric(24,6), unit_cost numeric(24,8), amount numeric(20,2), status text)`,
    );
    const { legacy, cloud } = inj.loads();
    // Heap order is insertion order, which is NOT key order (text collation).
    await Promise.all(
      [legacy, cloud].map((qs) =>
        withClient(dbUrl, async (c2) => {
          for (const q of qs) await c2.query(q);
        }),
      ),
    );
    // A clean pair has no duplicate keys: its key index is unique, as a source table's primary key is.
    const index = inj.period ? 'INDEX' : 'UNIQUE INDEX';
    await c.query(`CREATE ${index} ON legacy_inv (sku, loc)`);
    await c.query(`CREATE ${index} ON cloud_inv (sku, loc)`);
    await c.query('VACUUM ANALYZE legacy_inv');
    await c.query('VACUUM ANALYZE cloud_inv');
  });
}

/** The project folder the command runs in: cutover.yaml, the mapping, the RSS hook. */
function writeProject(dir: string, dbUrl: string): void {
  fs.mkdirSync(path.join(dir, 'mappings'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'cutover.yaml'),
    `connections:
  legacy: { url: ${JSON.stringify(dbUrl)}, readOnly: true }
  cloud: { url: ${JSON.stringify(dbUrl)}, readOnly: true }
control: { url: "sqlite:./control.db" }
mappings: mappings/
reports: reports/
report: { formats: [json] }
`,
  );
  fs.writeFileSync(path.join(dir, 'mappings', `${MAPPING}.yaml`), mappingYaml);
  fs.writeFileSync(path.join(dir, 'rss-hook.mjs'), RSS_HOOK);
}

/** A fresh control store and reports folder: every run opens 100% new exception items. */
function resetProject(dir: string): void {
  for (const f of fs.readdirSync(dir))
    if (f.startsWith('control.db') || f === 'reports' || f.startsWith('cutover-'))
      fs.rmSync(path.join(dir, f), { recursive: true, force: true });
}

/** The floor: both tables in key order through COPY ... TO STDOUT, bytes discarded, in parallel. */
async function floor(dbUrl: string): Promise<{ seconds: number; bytes: number; cpu?: FloorCpu }> {
  let bytes = 0;
  const probe =
    postmaster === undefined ? undefined : new CpuProbe(undefined, { postmaster, database: dbOf(dbUrl) });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    ['legacy_inv', 'cloud_inv'].map((t) =>
      withClient(dbUrl, async (c) => {
        const stream = c.query(
          copyStreams.to(`COPY (SELECT ${COLS.join(', ')} FROM ${t} ORDER BY sku, loc) TO STDOUT`),
        );
        for await (const chunk of stream as AsyncIterable<Buffer>) bytes += chunk.length;
      }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu0);
  const cpu = probe && { client: (used.user + used.system) / 1e6, database: probe.stop().database };
  return { seconds, bytes, ...(cpu ? { cpu } : {}) };
}

/** The floor's CPU seconds: this process reading (the client), and the two COPY backends. */
interface FloorCpu {
  client: number;
  database: number;
}

/** The database a URL names. */
const dbOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

/**
 * The local PostgreSQL server's postmaster (the parent of a backend of ours), for the CPU figures;
 * undefined when the server is not on this machine (or /proc cannot be read): no CPU figures then.
 */
let postmaster: number | undefined;
async function findPostmaster(): Promise<number | undefined> {
  const host = new URL(adminUrl).hostname;
  if (!canProbe || !['127.0.0.1', 'localhost', '[::1]', ''].includes(host)) return undefined;
  return withClient(adminUrl, async (c) => {
    const r = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const backend = r.rows[0]!.pid;
    // Read while the backend lives: its parent is the postmaster, if it is a process of this machine.
    const comm = fs.existsSync(`/proc/${backend}/comm`)
      ? fs.readFileSync(`/proc/${backend}/comm`, 'utf8')
      : '';
    return comm.trim() === 'postgres' ? parentOf(backend) : undefined;
  });
}

interface CommandRun {
  seconds: number;
  peakMb: number;
  /** CPU seconds of the command's main thread, its other threads, and the database backends. */
  cpu?: CpuFigures;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The command's --pushdown: off when measuring the streaming engine against the floor (issue 16). */
function commandArgs(dir: string, pushdown = 'off'): string[] {
  return [
    '--import',
    path.join(dir, 'rss-hook.mjs'),
    bin,
    'reconcile',
    MAPPING,
    '--json',
    '--memory',
    String(memoryMb),
    '--pushdown',
    pushdown,
    '--config',
    path.join(dir, 'cutover.yaml'),
    ...(args.debug ? ['--debug'] : []),
  ];
}

/** One `cutover reconcile` child process: wall time, peak RSS, exit code, output. */
function command(dir: string, pushdown = 'off', database?: string): Promise<CommandRun> {
  const rssFile = path.join(dir, 'rss.txt');
  fs.rmSync(rssFile, { force: true });
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, commandArgs(dir, pushdown), {
      cwd: dir,
      // Spill files in the project folder, not in a /tmp other processes share.
      env: { ...process.env, CUTOVER_BENCH_RSS: rssFile, TMPDIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Only with the server's figures too: without them the CPU lines are not printed.
    const probe =
      postmaster === undefined || database === undefined
        ? undefined
        : new CpuProbe(child.pid, { postmaster, database });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      err.push(b);
      if (args.debug) process.stderr.write(b);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      const cpu = probe?.stop();
      const rss = fs.existsSync(rssFile) ? Number(fs.readFileSync(rssFile, 'utf8')) : NaN;
      resolve({
        seconds,
        peakMb: rss / 1024,
        ...(cpu ? { cpu } : {}),
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/**
 * The summary's durationMs: from the run's start until its differences are stored (reading, the join,
 * differences.jsonl) — without start-up, the exception queue sync, the diagnosis and the reports.
 */
function runSeconds(r: CommandRun): string {
  try {
    const ms = (JSON.parse(r.stdout) as { durationMs?: number }).durationMs;
    return ms === undefined ? '?' : `${(ms / 1000).toFixed(2)} s`;
  } catch {
    return '?';
  }
}

async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const chunk of fs.createReadStream(file) as AsyncIterable<Buffer>)
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
  return n;
}

/** What is wrong with a command run's result, against the injection (empty: exact). */
async function check(dir: string, run: CommandRun, inj: Injection): Promise<string[]> {
  const problems: string[] = [];
  const want = inj.expected();
  const status = want.differences ? 'differences' : 'clean';
  if (run.code !== (want.differences ? 1 : 0))
    problems.push(`exit code ${run.code}, expected ${want.differences ? 1 : 0} (${status})`);
  let s: {
    status?: string;
    counts?: Record<string, number>;
    fieldMismatches?: Record<string, number>;
    exceptions?: { opened?: number };
    systems?: { legacy?: { rows?: number }; cloud?: { rows?: number } };
    reports?: { differences?: string };
  };
  try {
    s = JSON.parse(run.stdout) as typeof s;
  } catch {
    return [...problems, `stdout is not one JSON object: ${run.stdout.slice(0, 300)}`];
  }
  if (s.status !== status) problems.push(`status ${s.status}, expected ${status}`);
  for (const [k, v] of Object.entries(want.counts))
    if (s.counts?.[k] !== v) problems.push(`counts.${k} ${s.counts?.[k]}, expected ${v}`);
  for (const [k, v] of Object.entries(want.fieldMismatches))
    if ((s.fieldMismatches?.[k] ?? 0) !== v)
      problems.push(`fieldMismatches.${k} ${s.fieldMismatches?.[k]}, expected ${v}`);
  const extra = Object.keys(s.fieldMismatches ?? {}).filter((k) => !(k in want.fieldMismatches));
  if (extra.length) problems.push(`mismatches on fields not injected: ${extra.join(', ')}`);
  if (s.systems?.legacy?.rows !== want.counts.legacy || s.systems?.cloud?.rows !== want.counts.cloud)
    problems.push(
      `systems rows ${s.systems?.legacy?.rows}/${s.systems?.cloud?.rows}, expected ${want.counts.legacy}/${want.counts.cloud}`,
    );
  if (s.exceptions?.opened !== want.differences)
    problems.push(`exceptions.opened ${s.exceptions?.opened}, expected ${want.differences}`);
  const file = s.reports?.differences;
  if (!file) problems.push('no reports.differences in the summary');
  else {
    const lines = await countLines(path.resolve(dir, file));
    if (lines !== want.differences)
      problems.push(`differences.jsonl has ${lines} lines, expected ${want.differences}`);
  }
  return problems;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const secs = (n: number) => `${n.toFixed(2)} s`;
const cores = os.cpus().length;
/** The CPU table's rows (scenarios whose CPU could be read). */
const cpuRows: string[] = [];
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

interface Row {
  cells: string[];
  ok: boolean;
}

/** A scenario's database and project folder, set up, handed to `fn`, and dropped after (unless --keep). */
async function withScenario(
  sc: Scenario,
  index: number,
  title: (inj: Injection, dbName: string) => string,
  pushdown: string,
  fn: (ctx: { inj: Injection; dbUrl: string; dir: string }) => Promise<Row>,
): Promise<Row> {
  const inj = new Injection(sc.rows, sc.pct);
  const dbName = `cutover_bench_${process.pid}${scenarios.length > 1 ? `_${index + 1}` : ''}`;
  const dbUrl = databaseUrl(dbName);
  console.log(`\n## ${title(inj, dbName)}, load average ${load()}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-reconbench-'));
  try {
    const t = performance.now();
    await setup(dbName, inj);
    console.log(`setup ${((performance.now() - t) / 1000).toFixed(1)} s`);
    writeProject(dir, dbUrl);
    console.log(`command (in ${dir}): node ${commandArgs(dir, pushdown).join(' ')}`);
    return await fn({ inj, dbUrl, dir });
  } finally {
    if (!args.keep) {
      await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
      fs.rmSync(dir, { recursive: true, force: true });
    } else console.log(`kept database ${dbUrl} and project folder ${dir}`);
  }
}

async function scenario(sc: Scenario, index: number): Promise<Row> {
  const title = (inj: Injection, dbName: string) =>
    `${int(sc.rows)} rows per side, ${sc.pct}% differences (period ${inj.period}: ${int(inj.expected().differences)} differing keys), ` +
    `--memory ${memoryMb}, ${runs} run(s), database ${dbName}`;
  return withScenario(sc, index, title, 'off', async ({ inj, dbUrl, dir }) => {
    const want = inj.expected();
    const floors: number[] = [];
    const floorCpus: FloorCpu[] = [];
    const cmds: CommandRun[] = [];
    let problems: string[] = [];
    for (let k = 1; k <= runs; k++) {
      const f = await floor(dbUrl);
      floors.push(f.seconds);
      if (f.cpu) floorCpus.push(f.cpu);
      resetProject(dir);
      const r = await command(dir, 'off', dbOf(dbUrl));
      cmds.push(r);
      const p = await check(dir, r, inj);
      console.log(
        `run ${k}: floor ${f.seconds.toFixed(2)} s (${(f.bytes / 1e6).toFixed(0)} MB streamed), ` +
          `command ${r.seconds.toFixed(2)} s (the run's durationMs ${runSeconds(r)}), peak RSS ${r.peakMb.toFixed(0)} MB, exit ${r.code}, ` +
          `${p.length ? 'WRONG' : 'counts exact'}, load average ${load()}`,
      );
      if (f.cpu && r.cpu)
        console.log(
          `  CPU: floor ${secs(f.cpu.client)} client + ${secs(f.cpu.database)} database; command ${secs(r.cpu.main)} main thread + ` +
            `${secs(r.cpu.others)} other threads + ${secs(r.cpu.database)} database`,
        );
      if (p.length) {
        problems = p;
        if (!args.debug) process.stderr.write(stderrTail(r.stderr));
        break;
      }
    }
    const fl = median(floors);
    const cmd = median(cmds.map((c) => c.seconds));
    const ratio = cmd / fl;
    const peak = Math.max(...cmds.map((c) => c.peakMb));
    const maxRatio = sc.pct >= 10 ? 4 : 2.5;
    const rssBound = sc.rows >= 10_000_000 ? memoryMb : undefined;
    const met = ratio <= maxRatio && (rssBound === undefined || peak <= rssBound);
    const bothSides = want.counts.legacy + want.counts.cloud;
    if (problems.length) console.log(`WRONG RESULT:\n  ${problems.join('\n  ')}`);
    const cmdCpus = cmds.flatMap((c) => (c.cpu ? [c.cpu] : []));
    if (floorCpus.length && cmdCpus.length === cmds.length) {
      // Each part is its median; a total is the sum of the parts shown.
      const client = median(floorCpus.map((c) => c.client));
      const floorDb = median(floorCpus.map((c) => c.database));
      const fc = client + floorDb;
      const m = (pick: (c: CpuFigures) => number) => median(cmdCpus.map(pick));
      const [main, others, db] = [m((c) => c.main), m((c) => c.others), m((c) => c.database)];
      const cc = main + others + db;
      cpuRows.push(
        [
          int(sc.rows),
          `${sc.pct}%`,
          `${secs(client)} + ${secs(floorDb)} = ${secs(fc)}`,
          secs(main),
          secs(others),
          secs(db),
          secs(cc),
          `${(cc / fc).toFixed(2)}×`,
          `${secs(cc / cores)} (${(cc / cores / fl).toFixed(2)}× the floor)`,
        ].join(' | '),
      );
    }
    return {
      ok: problems.length === 0,
      cells: [
        int(sc.rows),
        `${sc.pct}%`,
        `${fl.toFixed(2)} s`,
        `${cmd.toFixed(2)} s`,
        `${ratio.toFixed(2)}×`,
        int(bothSides / cmd),
        `${peak.toFixed(0)} MB`,
        int(want.differences) + (problems.length ? ' (WRONG counts)' : ''),
        `≤ ${maxRatio}×${rssBound ? `, ≤ ${rssBound} MB` : ''}`,
        met ? 'yes' : '**no**',
      ],
    };
  });
}

/** One count(*) + checksum scan per side, in parallel: the least a database can do to compare a table. */
async function checksumScan(dbUrl: string): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    ['legacy_inv', 'cloud_inv'].map((t) =>
      withClient(dbUrl, (c) =>
        c.query(
          `SELECT count(*), sum(('x' || substr(md5(ROW(${COLS.join(', ')})::text), 1, 8))::bit(32)::bigint) FROM ${t}`,
        ),
      ),
    ),
  );
  return (performance.now() - t0) / 1000;
}

/** The rows the pushdown run read (both sides), from its summary. */
function rowsMoved(r: CommandRun): number {
  const p = (
    JSON.parse(r.stdout) as { pushdown?: { mode?: string; rowsStreamed?: { legacy: number; cloud: number } } }
  ).pushdown;
  if (p?.mode !== 'checksum') throw new Error(`the run did not push down: ${JSON.stringify(p)}`);
  return p.rowsStreamed!.legacy + p.rowsStreamed!.cloud;
}

/** --pushdown: the command with checksum pushdown against streaming and against a checksum scan. */
async function pushdownScenario(sc: Scenario, index: number): Promise<Row> {
  const title = (inj: Injection, dbName: string) =>
    `pushdown: ${int(sc.rows)} rows per side, ${sc.pct}% differences (${int(inj.expected().differences)} differing keys), ` +
    `${runs} run(s), database ${dbName}`;
  return withScenario(sc, index, title, 'on', async ({ inj, dbUrl, dir }) => {
    const want = inj.expected();
    const scans: number[] = [];
    const on: CommandRun[] = [];
    const off: CommandRun[] = [];
    let problems: string[] = [];
    let moved = 0;
    for (let k = 1; k <= runs && !problems.length; k++) {
      scans.push(await checksumScan(dbUrl));
      for (const [mode, list] of [
        ['on', on],
        ['off', off],
      ] as const) {
        resetProject(dir);
        const r = await command(dir, mode);
        list.push(r);
        const p = await check(dir, r, inj);
        if (mode === 'on' && !p.length) moved = rowsMoved(r);
        console.log(
          `run ${k}: --pushdown ${mode} ${r.seconds.toFixed(2)} s (durationMs ${runSeconds(r)}), peak RSS ${r.peakMb.toFixed(0)} MB, ` +
            `${p.length ? 'WRONG' : 'counts exact'}${mode === 'on' ? `, rows moved ${int(moved)}` : ''}, load average ${load()}`,
        );
        if (p.length) {
          problems = p;
          process.stderr.write(stderrTail(r.stderr));
          break;
        }
      }
      console.log(`run ${k}: checksum scan ${scans.at(-1)!.toFixed(2)} s`);
    }
    const scan = median(scans);
    const tOn = median(on.map((r) => r.seconds));
    const tOff = median(off.map((r) => r.seconds));
    const share = moved / (want.counts.legacy + want.counts.cloud);
    const target = sc.pct > 0 ? 0.5 : sc.rows >= 10_000_000 ? 0.2 : 0.4;
    const met = tOn / tOff <= target && (sc.pct > 0 || share < 0.01);
    if (problems.length) console.log(`WRONG RESULT:\n  ${problems.join('\n  ')}`);
    return {
      ok: problems.length === 0,
      cells: [
        int(sc.rows),
        `${sc.pct}%`,
        `${scan.toFixed(2)} s`,
        `${tOff.toFixed(2)} s`,
        `${tOn.toFixed(2)} s`,
        `${(tOn / tOff).toFixed(2)}×`,
        `${(tOn / scan).toFixed(2)}×`,
        `${int(moved)} (${(share * 100).toFixed(2)}%)`,
        `≤ ${target}×${sc.pct > 0 ? '' : ', < 1% moved'}`,
        met ? 'yes' : '**no**',
      ],
    };
  });
}

function stderrTail(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  return stderr.trim() ? `command stderr (last lines):\n${lines.slice(-20).join('\n')}\n` : '';
}

async function main(): Promise<number> {
  if (!fs.existsSync(path.join(root, 'dist', 'src', 'commands', 'reconcile.js')))
    throw new Error('the CLI is not built: run `npm run build` first');
  const start = load();
  console.log(
    `reconcile bench: ${new Date().toISOString()}, ${os.cpus().length} cores, node ${process.version}, load average ${start}`,
  );
  postmaster = await findPostmaster();
  const rows: Row[] = [];
  for (const [i, sc] of scenarios.entries())
    rows.push(await (args.pushdown ? pushdownScenario(sc, i) : scenario(sc, i)));
  if (args.pushdown)
    console.log(
      `\n| rows per side | differences | checksum scan | --pushdown off | --pushdown on | on / off | on / scan | rows moved | target | met |`,
    );
  else
    console.log(
      `\n| rows per side | differences | floor (median) | command (median) | ratio | rows/s (both sides) | peak RSS (max) | differing keys | target | met |`,
    );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.cells.join(' | ')} |`);
  if (cpuRows.length) {
    console.log(
      `\nCPU seconds (medians of each part, totals their sums; /proc, every 20 ms), ${cores} cores. The least wall time a run's CPU allows is its CPU / the cores:\n` +
        `\n| rows per side | differences | floor: client + database | command: main thread | other threads | database | command in all | × the floor's CPU | least wall on ${cores} cores |`,
    );
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const r of cpuRows) console.log(`| ${r} |`);
  }
  console.log(`\nload average (1, 5, 15 min): at start ${start}, at end ${load()}`);
  return rows.every((r) => r.ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(3);
  },
);

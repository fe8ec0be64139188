/**
 * Memory benchmark: `npm run bench:memory -- [--rows N] [--memory 512,1024] [--data DIR]`.
 *
 * Builds two SQLite tables of N rows (about 1% of them differing) in a temporary folder and runs the
 * real `cutover reconcile --pushdown off` binary on them once per budget (every row streamed: the
 * most the engine holds), reading each process's peak RSS
 * (`process.resourceUsage().maxRSS` at exit: the whole process, reader threads included). The fixed
 * cost is the peak RSS of the same reconcile over tables of one row: the runtime, the CLI, the
 * drivers, the control store and the threads a run starts, which no budget can shrink. It prints,
 * per budget, the peak RSS and whether it stayed within budget + fixed cost. `--data DIR` keeps the
 * tables in DIR and reuses them when they are there (10M rows take a minute to write).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { benchArgs, wholeNumber, wholeNumbers } from './bench-args.js';

const USAGE = `Usage: npm run bench:memory -- [--rows N] [--memory 512,1024] [--data DIR] [--keep]

  --rows N         rows per table (default 1000000)
  --memory MB,...  the budgets, in MB: one reconcile each (default 512,1024)
  --data DIR       keep the tables in DIR and reuse them when they are there
  --keep           keep the temporary folder and its tables
  -h, --help       this text`;

const { values: args } = benchArgs(USAGE, () =>
  parseArgs({
    options: {
      rows: { type: 'string', default: '1000000' },
      memory: { type: 'string', default: '512,1024' },
      keep: { type: 'boolean', default: false },
      data: { type: 'string' },
    },
  }),
);
const N = wholeNumber(USAGE, '--rows', args.rows);
const budgets = wholeNumbers(USAGE, '--memory', args.memory);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin', 'run.js');

const MAPPING = `name: stock
key: [sku, location]
fields:
  sku: { type: string }
  location: { type: string }
  on_hand: { type: decimal, scale: 3 }
  unit_cost: { type: decimal, scale: 4 }
  status: { type: string }
legacy: { connection: legacy, table: stock, columns: { sku: sku, location: location, on_hand: on_hand, unit_cost: unit_cost, status: status } }
cloud: { connection: cloud, table: stock, columns: { sku: sku, location: location, on_hand: on_hand, unit_cost: unit_cost, status: status } }
`;

function build(dir: string, rows: number): void {
  fs.mkdirSync(path.join(dir, 'mappings'), { recursive: true });
  for (const side of ['legacy', 'cloud']) {
    const db = new Database(path.join(dir, `${side}.db`));
    db.exec('CREATE TABLE stock (sku TEXT, location TEXT, on_hand TEXT, unit_cost TEXT, status TEXT)');
    const ins = db.prepare('INSERT INTO stock VALUES (?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (let i = 0; i < rows; i++) {
        if (side === 'cloud' && i % 200 === 7) continue; // missing in cloud
        const qty = (i % 9973) * 1125 + (side === 'cloud' && i % 200 === 1 ? 1000 : 0);
        ins.run(
          `SKU-${String(Math.floor(i / 100)).padStart(7, '0')}`,
          `DC-${i % 100}`,
          `${Math.floor(qty / 1000)}.${String(qty % 1000).padStart(3, '0')}`,
          `${i % 997}.${String(i % 10000).padStart(4, '0')}`,
          i % 3 === 0 ? 'sellable' : 'quarantine',
        );
      }
    })();
    db.close();
  }
  fs.writeFileSync(
    path.join(dir, 'cutover.yaml'),
    'connections:\n  legacy: { url: "sqlite:./legacy.db", readOnly: true }\n' +
      '  cloud: { url: "sqlite:./cloud.db", readOnly: true }\ncontrol: { url: "sqlite:./control.db" }\n',
  );
  fs.writeFileSync(path.join(dir, 'mappings', 'stock.yaml'), MAPPING);
}

/** Runs one reconcile and returns its peak RSS in MB, exit code and wall time. */
function run(dir: string, memory: number): { peakMb: number; code: number | null; seconds: number } {
  const hook = path.join(dir, 'rss-hook.mjs');
  fs.writeFileSync(
    hook,
    "import fs from 'node:fs';\nprocess.on('exit', () => fs.writeFileSync(process.env.CUTOVER_BENCH_RSS, String(process.resourceUsage().maxRSS)));\n",
  );
  const out = path.join(dir, `rss-${memory}.txt`);
  // A fresh control store each run: the first night's queue sync, not an update of the last one's.
  for (const f of ['control.db', 'control.db-wal', 'control.db-shm'])
    fs.rmSync(path.join(dir, f), { force: true });
  fs.rmSync(path.join(dir, 'reports'), { recursive: true, force: true });
  const t0 = Date.now();
  const res = spawnSync(
    process.execPath,
    ['--import', hook, bin, 'reconcile', 'stock', '--memory', String(memory), '--pushdown', 'off', '--json'],
    {
      cwd: dir,
      env: { ...process.env, CUTOVER_BENCH_RSS: out, TMPDIR: dir },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  if (res.status !== 0 && res.status !== 1) process.stderr.write(res.stderr);
  return {
    peakMb: Number(fs.readFileSync(out, 'utf8')) / 1024,
    code: res.status,
    seconds: (Date.now() - t0) / 1000,
  };
}

const base = args.data
  ? path.resolve(args.data)
  : fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-membench-'));
const big = path.join(base, `rows-${N}`);
try {
  const tiny = path.join(base, 'tiny');
  if (!fs.existsSync(path.join(tiny, 'cutover.yaml'))) build(tiny, 1);
  const t0 = Date.now();
  if (fs.existsSync(path.join(big, 'cutover.yaml'))) console.log(`reusing ${big}`);
  else {
    build(big, N);
    console.log(
      `built ${N.toLocaleString('en-US')} rows per side in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  console.log(
    '| rows per side | --memory | peak RSS | fixed cost (1-row run, max of 3) | budget + fixed cost | within | exit | wall |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const m of budgets) {
    const fixed = Math.max(...[0, 1, 2].map(() => run(tiny, m).peakMb));
    const r = run(big, m);
    const limit = m + fixed;
    console.log(
      `| ${N.toLocaleString('en-US')} | ${m} MB | ${r.peakMb.toFixed(0)} MB | ${fixed.toFixed(0)} MB | ${limit.toFixed(0)} MB | ${r.peakMb <= limit ? 'yes' : 'NO'} | ${r.code} | ${r.seconds.toFixed(1)} s |`,
    );
  }
} finally {
  if (!args.keep && !args.data) fs.rmSync(base, { recursive: true, force: true });
}

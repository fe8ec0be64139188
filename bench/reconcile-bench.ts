/**
 * Reconcile benchmark: `npm run bench:reconcile -- --rows N [--memory MB] [--keep] [--url URL]`.
 *
 * Builds two tables of N rows in a fresh PostgreSQL database (legacy-like and cloud-like column
 * types), injects about 1.2% differences of every class with a known formula, then measures:
 *   floor  — both tables streamed in key order with COPY (SELECT ... ORDER BY key) TO STDOUT through
 *            pg + pg-copy-streams, in parallel, the bytes discarded;
 *   engine — both tables read through the postgres adapter, normalized (buildNormalizer) and
 *            compared (compareStreams).
 * It checks that every reported difference is one that was injected and that every injected one is
 * reported (exit 1 if not), and prints rows/s, peak RSS and the ratio to the floor.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { PostgresAdapter } from '../src/adapters/postgres/index.js';
import type { RawValue } from '../src/adapters/types.js';
import type { Mapping } from '../src/config/mapping-schema.js';
import { buildNormalizer } from '../src/reconcilers/normalize.js';
import { compareEncoded, compareStreams } from '../src/reconcilers/compare.js';
import { readSideParallel, workersAvailable } from '../src/reconcilers/parallel-read.js';
import type { CanonicalRow, Difference, Side } from '../src/reconcilers/types.js';
import { silentLogger } from '../src/util/logger.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    memory: { type: 'string', default: '512' },
    keep: { type: 'boolean', default: false },
    batch: { type: 'string', default: '2000' },
    /** parallel: one worker thread per side reads, normalizes and encodes; single: all on one thread. */
    mode: { type: 'string', default: 'parallel' },
    url: {
      type: 'string',
      default: process.env.CUTOVER_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    },
  },
});
const N = Number(args.rows);
const MOD = 500;
const adminUrl = args.url!;
const dbName = `cutover_bench_${process.pid}`;
const dbUrl = (() => {
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
})();

// Injected differences, by i (row number) — the same formulas the SQL below uses.
// i % 500: 1 on_hand mismatch, 5 status mismatch, 2 missing in cloud, 3 duplicated in cloud,
// 4 duplicated in legacy; i in N+1..N+N/500: missing in legacy.
type Cls = 'mismatch' | 'missing_in_cloud' | 'missing_in_legacy' | 'dup_cloud' | 'dup_legacy';
function expectedClass(i: number): Cls | undefined {
  if (i > N) return 'missing_in_legacy';
  switch (i % MOD) {
    case 1:
    case 5:
      return 'mismatch';
    case 2:
      return 'missing_in_cloud';
    case 3:
      return 'dup_cloud';
    case 4:
      return 'dup_legacy';
  }
  return undefined;
}
const keySql = `'Sku-' || (i / 100) AS sku, CASE WHEN i % 2 = 0 THEN 'dc-' ELSE 'DC_' END || (i % 100) AS loc`;
const valuesSql = (cloud: boolean) =>
  [
    `round((i % 9973) * 1.125, 3)${cloud ? ` + CASE WHEN i <= ${N} AND i % ${MOD} = 1 THEN 1 ELSE 0 END` : ''} AS on_hand`,
    `round((i % 997) / 7.0, 4) AS unit_cost`,
    `round((i % 10007) * 0.37, 2) AS amount`,
    `CASE WHEN ${cloud ? `i <= ${N} AND i % ${MOD} = 5` : 'false'} THEN 'damaged' WHEN i % 3 = 0 THEN 'sellable' WHEN i % 3 = 1 THEN 'quarantine' ELSE 'blocked' END AS status`,
  ].join(', ');
const iOf = (sku: string, loc: string) => Number(sku.slice(4)) * 100 + Number(loc.slice(3));

const mapping: Mapping = {
  name: 'bench_inventory',
  file: 'bench/reconcile-bench.ts',
  key: ['sku', 'loc'],
  fields: {
    sku: { type: 'string' },
    loc: { type: 'string', trim: true },
    on_hand: { type: 'decimal', scale: 3 },
    unit_cost: { type: 'decimal', scale: 4 },
    amount: { type: 'decimal', scale: 2 },
    status: { type: 'string', trim: true },
  },
  legacy: { connection: 'legacy', table: 'legacy_inv', columns: {} },
  cloud: { connection: 'cloud', table: 'cloud_inv', columns: {} },
};
const COLS = Object.keys(mapping.fields);

async function admin<T>(fn: (c: pg.Client) => Promise<T>, url = adminUrl): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function setup(): Promise<void> {
  await admin((c) => c.query(`CREATE DATABASE ${dbName}`));
  await admin(async (c) => {
    // Legacy-like types (CHAR padding, narrow numerics) against cloud-like ones (wider numerics):
    // the engine must see through the difference in how each prints the same value.
    await c.query(
      `CREATE UNLOGGED TABLE legacy_inv (sku varchar(20), loc char(8), on_hand numeric(18,3), unit_cost numeric(19,4), amount numeric(18,2), status char(12))`,
    );
    await c.query(
      `CREATE UNLOGGED TABLE cloud_inv (sku text, loc text, on_hand numeric(24,6), unit_cost numeric(24,8), amount numeric(20,2), status text)`,
    );
    const loads = [
      `INSERT INTO legacy_inv SELECT ${keySql}, ${valuesSql(false)} FROM generate_series(1, ${N}) i`,
      `INSERT INTO legacy_inv SELECT ${keySql}, ${valuesSql(false)} FROM generate_series(1, ${N}) i WHERE i % ${MOD} = 4`,
      `INSERT INTO cloud_inv SELECT ${keySql}, ${valuesSql(true)} FROM generate_series(1, ${N + Math.floor(N / MOD)}) i WHERE i > ${N} OR i % ${MOD} <> 2`,
      `INSERT INTO cloud_inv SELECT ${keySql}, ${valuesSql(true)} FROM generate_series(1, ${N}) i WHERE i % ${MOD} = 3`,
    ];
    // Shuffle nothing: heap order is insertion order, which is NOT key order (text collation).
    await Promise.all(
      [loads.slice(0, 2), loads.slice(2)].map((ls) =>
        admin(async (c2) => {
          for (const q of ls) await c2.query(q);
        }, dbUrl),
      ),
    );
    await c.query('CREATE INDEX ON legacy_inv (sku, loc)');
    await c.query('CREATE INDEX ON cloud_inv (sku, loc)');
    await c.query('VACUUM ANALYZE legacy_inv');
    await c.query('VACUUM ANALYZE cloud_inv');
  }, dbUrl);
}

/** The floor: both tables in key order through COPY ... TO STDOUT, bytes discarded, in parallel. */
async function floor(): Promise<{ seconds: number; bytes: number }> {
  let bytes = 0;
  const t0 = performance.now();
  await Promise.all(
    ['legacy_inv', 'cloud_inv'].map((t) =>
      admin(async (c) => {
        const stream = c.query(
          copyStreams.to(`COPY (SELECT ${COLS.join(', ')} FROM ${t} ORDER BY sku, loc) TO STDOUT`),
        );
        for await (const chunk of stream as AsyncIterable<Buffer>) bytes += chunk.length;
      }, dbUrl),
    ),
  );
  return { seconds: (performance.now() - t0) / 1000, bytes };
}

async function* normalized(
  adapter: PostgresAdapter,
  side: Side,
  table: string,
): AsyncGenerator<CanonicalRow[]> {
  const n = buildNormalizer(mapping, side);
  for await (const batch of adapter.read({
    table,
    columns: n.columns,
    types: n.types,
    batchSize: Number(args.batch),
  })) {
    yield batch.map((r: RawValue[]) => n.normalize(r));
  }
}

/** The engine run; every difference is checked against the injection formula as it arrives. */
async function engine(): Promise<{
  seconds: number;
  cpuSeconds: number;
  rows: number;
  spilled: boolean;
  problems: string[];
}> {
  const logger = silentLogger();
  const legacy = new PostgresAdapter({ name: 'legacy', url: dbUrl, readOnly: true }, { logger });
  const cloud = new PostgresAdapter({ name: 'cloud', url: dbUrl, readOnly: true }, { logger });
  await Promise.all([legacy.connect(), cloud.connect()]);
  const problems: string[] = [];
  const seen: Record<Cls, number> = {
    mismatch: 0,
    missing_in_cloud: 0,
    missing_in_legacy: 0,
    dup_cloud: 0,
    dup_legacy: 0,
  };
  // Where the memory goes, sampled each second: phase (read, then join), RSS, V8 heap, Buffers.
  const peak = { read: 0, join: 0, heap: 0, buffers: 0 };
  let phase: 'read' | 'join' = 'read';
  let diffCount = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peak[phase] = Math.max(peak[phase], m.rss);
    peak.heap = Math.max(peak.heap, m.heapTotal);
    peak.buffers = Math.max(peak.buffers, m.arrayBuffers);
  }, 1000);
  sampler.unref();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const opts = { memoryMb: Number(args.memory) };
  const job = (side: Side, table: string) => {
    const n = buildNormalizer(mapping, side);
    return {
      connection: { name: side, url: dbUrl, readOnly: true },
      mapping,
      side,
      request: { table, columns: n.columns, types: n.types, batchSize: Number(args.batch) },
    };
  };
  const gen =
    args.mode === 'parallel'
      ? compareEncoded(
          mapping,
          readSideParallel(job('legacy', 'legacy_inv')),
          readSideParallel(job('cloud', 'cloud_inv')),
          opts,
        )
      : compareStreams(
          mapping,
          normalized(legacy, 'legacy', 'legacy_inv'),
          normalized(cloud, 'cloud', 'cloud_inv'),
          opts,
        );
  let r: IteratorResult<Difference, Awaited<ReturnType<typeof gen.next>>['value']>;
  let readSeconds = 0;
  while (!(r = await gen.next()).done) {
    if (phase === 'read') readSeconds = (performance.now() - t0) / 1000;
    phase = 'join';
    // Timers do not run while partitions are joined (the loop only awaits microtasks): sample here.
    if (++diffCount % 256 === 0) peak.join = Math.max(peak.join, process.memoryUsage.rss());
    const d = r.value as Difference;
    const i = iOf(String(d.key.sku), String(d.key.loc));
    const cls: Cls =
      d.type === 'duplicate_key' ? (d.side === 'cloud' ? 'dup_cloud' : 'dup_legacy') : (d.type as Cls);
    const want = expectedClass(i);
    if (want !== cls) {
      if (problems.length < 20) problems.push(`row ${i}: reported ${cls}, injected ${want ?? 'nothing'}`);
      continue;
    }
    if (d.type === 'mismatch') {
      const field = i % MOD === 1 ? 'on_hand' : 'status';
      const f = Object.keys(d.fields);
      if (f.length !== 1 || f[0] !== field || (field === 'on_hand' && d.fields.on_hand?.delta !== '1.000'))
        problems.push(`row ${i}: mismatch ${JSON.stringify(d.fields)}, expected ${field}`);
    }
    if (d.type === 'duplicate_key' && d.count !== 2) problems.push(`row ${i}: duplicate count ${d.count}`);
    seen[cls]++;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  const mb = (n: number) => `${Math.round(n / 1048576)} MB`;
  console.log(
    `read phase ${readSeconds.toFixed(2)} s (until the first difference), join ${(seconds - readSeconds).toFixed(2)} s`,
  );
  console.log(
    `memory (sampled each second): RSS while reading ${mb(peak.read)}, while joining ${mb(peak.join)}; ` +
      `V8 heap ${mb(peak.heap)}, Buffers ${mb(peak.buffers)}`,
  );
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const stats = r.value as Exclude<typeof r.value, Difference>;
  await Promise.all([legacy.close(), cloud.close()]);
  const injected: Record<Cls, number> = {
    mismatch: 0,
    missing_in_cloud: 0,
    missing_in_legacy: 0,
    dup_cloud: 0,
    dup_legacy: 0,
  };
  for (let i = 1; i <= N + Math.floor(N / MOD); i++) {
    const c = expectedClass(i);
    if (c) injected[c]++;
  }
  for (const k of Object.keys(injected) as Cls[])
    if (injected[k] !== seen[k]) problems.push(`${k}: injected ${injected[k]}, reported ${seen[k]}`);
  const diffs = Object.values(injected).reduce((a, b) => a + b, 0);
  const legacyRows = N + injected.dup_legacy;
  const cloudRows = N - injected.missing_in_cloud + injected.dup_cloud + injected.missing_in_legacy;
  if (stats.counts.legacy !== legacyRows || stats.counts.cloud !== cloudRows)
    problems.push(
      `rows read ${stats.counts.legacy}/${stats.counts.cloud}, expected ${legacyRows}/${cloudRows}`,
    );
  if (stats.counts.matched !== N - diffs + injected.missing_in_legacy)
    problems.push(`matched ${stats.counts.matched}, expected ${N - diffs + injected.missing_in_legacy}`);
  console.log(`counts ${JSON.stringify(stats.counts)} spilled=${stats.spilled}`);
  return {
    seconds,
    cpuSeconds,
    rows: stats.counts.legacy + stats.counts.cloud,
    spilled: stats.spilled,
    problems,
  };
}

async function main(): Promise<number> {
  console.log(
    `reconcile bench: ${N} rows per side, --memory ${args.memory} MB, --mode ${args.mode}` +
      `${args.mode === 'parallel' && !workersAvailable() ? ' (no built worker: one thread)' : ''}, database ${dbName}`,
  );
  let t = performance.now();
  await setup();
  console.log(`setup ${((performance.now() - t) / 1000).toFixed(1)} s`);
  try {
    const f = await floor();
    console.log(`floor  ${f.seconds.toFixed(2)} s (${(f.bytes / 1e6).toFixed(0)} MB streamed)`);
    t = performance.now();
    const e = await engine();
    const rss = process.resourceUsage().maxRSS / 1024;
    console.log(
      `engine ${e.seconds.toFixed(2)} s, ${Math.round(e.rows / e.seconds).toLocaleString('en-US')} rows/s, ` +
        `CPU ${e.cpuSeconds.toFixed(2)} s, peak RSS ${rss.toFixed(0)} MB, spilled ${e.spilled}, ratio to floor ${(e.seconds / f.seconds).toFixed(2)}x`,
    );
    if (e.problems.length) {
      console.log(`WRONG RESULT:\n  ${e.problems.join('\n  ')}`);
      return 1;
    }
    console.log('result: every injected difference reported, nothing else');
    return 0;
  } finally {
    if (!args.keep) await admin((c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
    else console.log(`kept database ${dbUrl}`);
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(3);
  },
);

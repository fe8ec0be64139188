/**
 * Replay benchmark: `npm run bench:replay -- --events N [--keys K] [--concurrency 1,8,32] [--group G] [--repeat R] [--single] [--url URL] [--keep]`.
 *
 * Writes N events over K keys (70% increments with 3-decimal deltas, 30% upserts that set the
 * quantity) to a .jsonl file, then into a fresh PostgreSQL database measures:
 *   floor  — the same row changes, in per-key order, written with batched multi-row statements
 *            (UPDATE ... FROM (VALUES ...) / INSERT ... ON CONFLICT, 1,000 rows each), no ledger;
 *   replay — runReplay (the `cutover replay` core) at each concurrency, with --group G events of
 *            different keys per transaction (default: what `cutover replay` picks for that
 *            concurrency; with --single, also --group 1 at concurrency 8: a transaction per event).
 * Every run starts from the same seeded table and must end in the floor's exact state (exit 1 if
 * not). The floor and each replay are measured --repeat times (default 3) in turns, and the best of
 * each is compared. Prints events/s, the ratio to the floor and the CPU time of cutover and of the
 * rest of the machine (PostgreSQL, on these machines) during the replay. The database is dropped at the end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/config/load-config.js';
import { loadEventsMapping } from '../src/config/events-schema.js';
import { openControlStore } from '../src/store/control-store.js';
import { openAdapter } from '../src/adapters/registry.js';
import { runReplay, defaultGroup } from '../src/app/run-replay.js';
import { silentLogger } from '../src/util/logger.js';
import { benchArgs, wholeNumber, wholeNumbers } from './bench-args.js';

const USAGE = `Usage: npm run bench:replay -- --events N [--keys K] [--concurrency 1,8,32] [--group G] [--repeat R]
         [--single] [--url URL] [--keep]

  --events N           events to replay (default 100000)
  --keys K             keys they are spread over (default 10000)
  --concurrency C,...  the concurrencies to measure, one replay each (default 1,8,32)
  --group G            events per transaction (default: what \`cutover replay\` picks for each concurrency)
  --repeat R           times the floor and each replay are measured, in turns; the best is kept (default 3)
  --single             also one transaction per event (--group 1) at concurrency 8: slow at 100k events
  --url URL            the PostgreSQL server (default $CUTOVER_BENCH_PG_URL, else
                       postgres://postgres@127.0.0.1:5432/postgres)
  --keep               keep the database
  -h, --help           this text`;

const { values: args } = benchArgs(USAGE, () =>
  parseArgs({
    options: {
      events: { type: 'string', default: '100000' },
      keys: { type: 'string', default: '10000' },
      concurrency: { type: 'string', default: '1,8,32' },
      /** Events per transaction; default: what `cutover replay` picks for each concurrency (defaultGroup). */
      group: { type: 'string' },
      /** Measure the floor and each replay this many times, in turns, and keep the best of each. */
      repeat: { type: 'string', default: '3' },
      keep: { type: 'boolean', default: false },
      /** Also measure one transaction per event (--group 1) at concurrency 8: slow at 100k events. */
      single: { type: 'boolean', default: false },
      url: {
        type: 'string',
        default: process.env.CUTOVER_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      },
    },
  }),
);
const N = wholeNumber(USAGE, '--events', args.events);
const K = wholeNumber(USAGE, '--keys', args.keys);
const concurrencies = wholeNumbers(USAGE, '--concurrency', args.concurrency);
const group = args.group === undefined ? undefined : wholeNumber(USAGE, '--group', args.group);
const repeat = wholeNumber(USAGE, '--repeat', args.repeat);
const dbName = `cutover_bench_replay_${process.pid}`;
const dbUrl = (() => {
  const u = new URL(args.url!);
  u.pathname = `/${dbName}`;
  return u.toString();
})();

interface Ev {
  id: string;
  type: 'inventory.adjusted' | 'inventory.counted';
  key: string;
  occurredAt: string;
  payload: { sku: string; location: string; delta?: string; qty?: string };
}

function makeEvents(): Ev[] {
  let s = 42;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const out: Ev[] = [];
  const t0 = Date.UTC(2026, 10, 25, 22);
  for (let i = 0; i < N; i++) {
    const k = Math.floor(rnd() * K);
    const sku = `SKU-${k}`;
    const set = rnd() < 0.3;
    const milli = Math.floor(rnd() * 20000) - (set ? 0 : 10000);
    const amount = `${milli < 0 ? '-' : ''}${Math.floor(Math.abs(milli) / 1000)}.${String(Math.abs(milli) % 1000).padStart(3, '0')}`;
    out.push({
      id: `evt-${i}`,
      type: set ? 'inventory.counted' : 'inventory.adjusted',
      key: `${sku}@S1`,
      occurredAt: new Date(t0 + i * 10).toISOString(),
      payload: set ? { sku, location: 'S1', qty: amount } : { sku, location: 'S1', delta: amount },
    });
  }
  return out;
}

/** CPU time used by the whole machine so far (all cores, user + system), from /proc/stat; 0 where there is none. */
function machineCpuMs(): number {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const tick = 1000 / 100; // USER_HZ is 100 on Linux
    return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]!) * tick;
  } catch {
    return 0;
  }
}

async function sql(client: pg.Client, text: string, params?: unknown[]): Promise<pg.QueryResult> {
  return client.query(text, params);
}

async function reset(c: pg.Client): Promise<void> {
  await sql(c, 'DROP TABLE IF EXISTS inventory_balance, cutover_replay_ledger');
  await sql(
    c,
    `CREATE TABLE inventory_balance (sku text, location_code text, qty_on_hand numeric(18,3) NOT NULL,
                PRIMARY KEY (sku, location_code))`,
  );
  // Half the keys exist before the night; counts (upserts) create the others, increments need a row.
  await sql(
    c,
    `INSERT INTO inventory_balance SELECT 'SKU-' || g, 'S1', 100 FROM generate_series(0, ${K - 1}) g`,
  );
}

async function state(c: pg.Client): Promise<string> {
  const r = await sql(
    c,
    `SELECT md5(string_agg(sku || '=' || qty_on_hand, ',' ORDER BY sku)) AS h, count(*) AS n FROM inventory_balance`,
  );
  return `${r.rows[0].n}:${r.rows[0].h}`;
}

/** The floor: per-key order kept by waves (wave n holds the n-th event of each key), each wave in 1,000-row statements. */
async function floor(c: pg.Client, file: string): Promise<number> {
  const t0 = performance.now();
  const events = fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Ev);
  const waves: Ev[][] = [];
  const seen = new Map<string, number>();
  for (const e of events) {
    const n = seen.get(e.key) ?? 0;
    seen.set(e.key, n + 1);
    (waves[n] ??= []).push(e);
  }
  for (const wave of waves) {
    for (const type of ['inventory.adjusted', 'inventory.counted'] as const) {
      const list = wave.filter((e) => e.type === type);
      for (let i = 0; i < list.length; i += 1000) {
        const part = list.slice(i, i + 1000);
        const params: string[] = [];
        const rows = part.map((e, j) => {
          params.push(e.payload.sku, e.payload.location, (e.payload.delta ?? e.payload.qty)!);
          return `($${j * 3 + 1}, $${j * 3 + 2}, $${j * 3 + 3}::numeric)`;
        });
        await sql(c, 'BEGIN');
        if (type === 'inventory.adjusted')
          await sql(
            c,
            `UPDATE inventory_balance t SET qty_on_hand = t.qty_on_hand + v.d FROM (VALUES ${rows.join(',')}) v(s, l, d)
                        WHERE t.sku = v.s AND t.location_code = v.l`,
            params,
          );
        else
          await sql(
            c,
            `INSERT INTO inventory_balance (sku, location_code, qty_on_hand) VALUES ${rows.join(',')}
                        ON CONFLICT (sku, location_code) DO UPDATE SET qty_on_hand = EXCLUDED.qty_on_hand`,
            params,
          );
        await sql(c, 'COMMIT');
      }
    }
  }
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: args.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-replay-bench-'));
  const c = new pg.Client({ connectionString: dbUrl });
  let failed = false;
  try {
    await c.connect();
    const file = path.join(dir, 'events.jsonl');
    fs.writeFileSync(
      file,
      makeEvents()
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    fs.mkdirSync(path.join(dir, 'mappings'));
    fs.writeFileSync(
      path.join(dir, 'cutover.yaml'),
      `connections:\n  cloud: { url: "${dbUrl}" }\ncontrol: { url: "sqlite:./control.db" }\n`,
    );
    fs.writeFileSync(
      path.join(dir, 'mappings', 'events.yaml'),
      `name: events\ntarget: cloud\nevents:\n  inventory.adjusted:\n    table: inventory_balance\n    action: increment\n    match: { sku: $.payload.sku, location_code: $.payload.location }\n    values: { qty_on_hand: $.payload.delta }\n  inventory.counted:\n    table: inventory_balance\n    action: upsert\n    match: { sku: $.payload.sku, location_code: $.payload.location }\n    values: { qty_on_hand: $.payload.qty }\n`,
    );
    console.log(`replay bench: ${N} events, ${K} keys (70% increment / 30% upsert), PostgreSQL ${dbName}`);

    await reset(c);
    const floorMs = await floor(c, file);
    const expected = await state(c);
    const floorRate = (N * 1000) / floorMs;
    console.log(
      `floor (batched multi-row statements, no ledger): ${(floorMs / 1000).toFixed(2)} s, ${Math.round(floorRate)} events/s`,
    );

    const config = await loadConfig(path.join(dir, 'cutover.yaml'));
    const mapping = await loadEventsMapping(path.join(dir, 'mappings', 'events.yaml'), config);
    const runs: { concurrency: number; group: number }[] = [];
    for (const conc of concurrencies) runs.push({ concurrency: conc, group: group ?? defaultGroup(conc) });
    if (args.single) runs.push({ concurrency: 8, group: 1 });
    const rows: string[] = [];
    /** One replay run from the seeded table; ok when every event applied and the state is the floor's. */
    const measure = async (r: { concurrency: number; group: number }, k: number) => {
      const store = await openControlStore(
        `sqlite:${path.join(dir, `control-${r.concurrency}-${r.group}-${k}.db`)}`,
      );
      const adapters: { close(): Promise<void> }[] = [];
      const cpu0 = process.cpuUsage();
      const sys0 = machineCpuMs();
      const t0 = performance.now();
      const result = await runReplay({
        config,
        store,
        mapping,
        events: file,
        concurrency: r.concurrency,
        attempts: 5,
        group: r.group,
        dryRun: false,
        openAdapter: async (name) => {
          const a = await openAdapter(config.connections[name]!, { logger: silentLogger() });
          adapters.push(a);
          return a;
        },
        logger: silentLogger(),
      });
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const ownMs = (cpu.user + cpu.system) / 1000;
      const otherMs = machineCpuMs() - sys0 - ownMs;
      for (const a of adapters) await a.close();
      await store.close();
      return { ms, ownMs, otherMs, ok: result.counts.applied === N && (await state(c)) === expected };
    };
    for (const r of runs) {
      // The machines are noisy: the floor and the replay are each measured `repeat` times, in turns,
      // right next to each other, and the best of each is compared (a slow floor never flatters).
      let floorBest = Infinity;
      let best: { ms: number; ownMs: number; otherMs: number } | undefined;
      let ok = true;
      for (let k = 0; k < repeat; k++) {
        await reset(c);
        floorBest = Math.min(floorBest, await floor(c, file));
        await reset(c);
        const m = await measure(r, k);
        ok &&= m.ok;
        if (!best || m.ms < best.ms) best = m;
      }
      if (!ok) failed = true;
      const { ms, ownMs, otherMs } = best!;
      const adjacentRate = (N * 1000) / floorBest;
      const rate = (N * 1000) / ms;
      const line = `| ${r.concurrency} | ${r.group} | ${(ms / 1000).toFixed(2)} s | ${Math.round(rate)} | ${Math.round(adjacentRate)} | ${((rate / adjacentRate) * 100).toFixed(0)}% | ${ok ? 'exact' : 'WRONG'} |`;
      rows.push(line);
      console.log(
        `replay concurrency ${r.concurrency}, group ${r.group}: best of ${repeat} ${(ms / 1000).toFixed(2)} s, ${Math.round(rate)} events/s; floor best of ${repeat} ${Math.round(adjacentRate)} events/s; ${((rate / adjacentRate) * 100).toFixed(0)}% of floor; state ${ok ? 'exact' : 'WRONG'}; CPU: cutover ${(ownMs / 1000).toFixed(2)} s, rest of the machine (PostgreSQL) ${(otherMs / 1000).toFixed(2)} s`,
      );
    }
    console.log(
      '\n| concurrency | events per transaction | time (best) | events/s | floor events/s (best, adjacent) | of floor | final state |\n|---:|---:|---:|---:|---:|---:|---|',
    );
    console.log(
      `| floor (first) | 1,000-row statements | ${(floorMs / 1000).toFixed(2)} s | ${Math.round(floorRate)} | | 100% | reference |`,
    );
    for (const l of rows) console.log(l);
  } finally {
    await c.end().catch(() => undefined);
    if (!args.keep) await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (failed) process.exitCode = 1;
}

await main();

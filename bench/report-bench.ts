/**
 * Report benchmark: `npm run bench:report -- --differences N [--cap N] [--formats xlsx,csv]`.
 * Builds a run of N differences in a temp SQLite control store (90% two-field mismatches, 5%
 * missing in cloud, 4% missing in legacy, 1% duplicates), then writes its reports in a child
 * process so the peak RSS measured is the report writer's alone.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openControlStore } from '../src/store/control-store.js';
import { createRun, finishRun } from '../src/store/runs.js';
import { encodeKey } from '../src/reconcilers/key.js';
import type { Difference, ReconcileSummary } from '../src/reconcilers/types.js';
import { parseReportFormats, writeReconcileReports } from '../src/reports/write-reconcile-reports.js';
import { benchArgs, wholeNumber } from './bench-args.js';

const USAGE = `Usage: npm run bench:report -- --differences N [--cap N] [--formats xlsx,csv]

  --differences N  differences in the run to report (default 100000)
  --cap N          the workbook's detail row cap (default: the writer's)
  --formats LIST   report formats, comma-separated (default xlsx)
  -h, --help       this text
(--child URL --run ID --out DIR: internal, the child process that writes the reports)`;

const { values } = benchArgs(USAGE, () =>
  parseArgs({
    options: {
      differences: { type: 'string', default: '100000' },
      cap: { type: 'string' },
      formats: { type: 'string', default: 'xlsx' },
      child: { type: 'string' },
      run: { type: 'string' },
      out: { type: 'string' },
    },
  }),
);
/** The workbook's detail row cap (--cap); undefined: the writer's default. */
const cap = values.cap === undefined ? undefined : wholeNumber(USAGE, '--cap', values.cap);

function diffAt(i: number): Difference {
  const key = {
    sku: `SKU-${String(i).padStart(8, '0')}`,
    location: `STORE-${String(i % 300).padStart(4, '0')}`,
  };
  const row = {
    ...key,
    on_hand: `${i % 5000}.000`,
    unit_cost: `${(i % 997) + 1}.25`,
    description: `Item ${i} blue mug`,
  };
  const r = i % 100;
  if (r < 90)
    return {
      type: 'mismatch',
      key,
      fields: {
        on_hand: { legacy: `${i % 5000}.000`, cloud: `${(i % 5000) - 2}.000`, delta: '-2.000' },
        unit_cost: { legacy: '10.25', cloud: '10.26', delta: '0.01' },
      },
      legacy: { ...row, unit_cost: '10.25' },
      cloud: { ...row, on_hand: `${(i % 5000) - 2}.000`, unit_cost: '10.26' },
    };
  if (r < 95) return { type: 'missing_in_cloud', key, legacy: row };
  if (r < 99) return { type: 'missing_in_legacy', key, cloud: row };
  return { type: 'duplicate_key', key, side: 'cloud', count: 2, cloud: row };
}

async function populate(url: string, n: number): Promise<{ runId: string; summary: ReconcileSummary }> {
  const store = await openControlStore(url);
  const runId = await createRun(store, { prefix: 'r', command: 'reconcile', name: 'bench' });
  await store.knex.transaction(async (trx) => {
    for (let i = 0; i < n; i += 400) {
      const rows = [];
      for (let j = i; j < Math.min(n, i + 400); j++) {
        const d = diffAt(j);
        rows.push({
          run_id: runId,
          seq: j + 1,
          type: d.type,
          key_text: encodeKey(d.key, ['sku', 'location']),
          body: JSON.stringify(d),
        });
      }
      await trx('cutover_differences').insert(rows);
    }
  });
  const share = (lo: number, hi: number) =>
    Math.floor(n / 100) * (hi - lo) + Math.max(0, Math.min(n % 100, hi) - lo);
  const summary: ReconcileSummary = {
    runId,
    name: 'bench',
    status: 'differences',
    counts: {
      legacy: n,
      cloud: n,
      matched: 0,
      mismatched: share(0, 90),
      missingInCloud: share(90, 95),
      missingInLegacy: share(95, 99),
      duplicateKeys: share(99, 100),
    },
    fieldMismatches: { on_hand: share(0, 90), unit_cost: share(0, 90) },
    totals: Array.from({ length: 300 }, (_, s) => ({
      group: 'on_hand by location',
      by: { location: `STORE-${String(s).padStart(4, '0')}` },
      field: 'on_hand',
      legacy: `${s * 1000}.000`,
      cloud: `${s * 1000 - 6}.000`,
      difference: '-6.000',
      scale: 3,
    })),
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: 1,
    systems: {
      legacy: { connection: 'legacy', url: 'sqlite:legacy.db', source: 'inv', rows: n },
      cloud: { connection: 'cloud', url: 'sqlite:cloud.db', source: 'inv', rows: n },
    },
  };
  await finishRun(store, runId, 'differences', summary);
  await store.close();
  return { runId, summary };
}

async function child(url: string, runId: string, outDir: string): Promise<void> {
  const store = await openControlStore(url);
  const row = await store.knex('cutover_runs').where({ id: runId }).first('summary');
  const summary = JSON.parse(row.summary as string) as ReconcileSummary;
  const t0 = performance.now();
  const written = await writeReconcileReports({
    store,
    summary,
    runId,
    formats: parseReportFormats([values.formats ?? 'xlsx']),
    outDir,
    xlsxDetailRowCap: cap,
  });
  const seconds = (performance.now() - t0) / 1000;
  await store.close();
  const sizes = Object.fromEntries(Object.entries(written).map(([f, p]) => [f, fs.statSync(p).size]));
  process.stdout.write(
    JSON.stringify({ seconds, peakRssMb: process.resourceUsage().maxRSS / 1024, sizes }) + '\n',
  );
}

async function main(): Promise<void> {
  if (values.child && values.run && values.out) return child(values.child, values.run, values.out);
  const n = wholeNumber(USAGE, '--differences', values.differences);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-report-bench-'));
  try {
    const url = `sqlite:${path.join(dir, 'control.db')}`;
    const t0 = performance.now();
    const { runId } = await populate(url, n);
    const populateS = (performance.now() - t0) / 1000;
    const args = [
      fileURLToPath(import.meta.url),
      '--child',
      url,
      '--run',
      runId,
      '--out',
      path.join(dir, 'reports'),
      '--formats',
      values.formats ?? 'xlsx',
    ];
    if (values.cap) args.push('--cap', values.cap);
    const res = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (res.status !== 0) throw new Error(`report writer failed: ${res.stderr}`);
    const r = JSON.parse(res.stdout) as { seconds: number; peakRssMb: number; sizes: Record<string, number> };
    const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;
    console.log(
      `differences=${n} cap=${values.cap ?? 'default'} formats=${values.formats}: ${r.seconds.toFixed(1)} s, peak RSS ${r.peakRssMb.toFixed(0)} MB; ` +
        `files ${Object.entries(r.sizes)
          .map(([f, s]) => `${f} ${mb(s)}`)
          .join(', ')} (populating the store: ${populateS.toFixed(1)} s)`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

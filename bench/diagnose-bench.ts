/**
 * Diagnosis benchmark: `npm run bench:diagnose -- --differences N`. Builds a run of N differences
 * in a temp SQLite control store (a ×12 unit factor at the DCs, a +1 h time shift at some stores,
 * an unmapped status code, last night's rows missing in the cloud, one-cent rounding, and noise),
 * then diagnoses it in a child process, so the time and peak RSS measured are the diagnosis's
 * alone: both passes over the stored differences and the causes written back to the store.
 * Target (issue 17): 1,000,000 differences in ≤ 30 s within 512 MB.
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
import type { Difference } from '../src/reconcilers/types.js';
import { diagnoseRun } from '../src/diagnosis/cause-store.js';
import { benchArgs, wholeNumber } from './bench-args.js';

const USAGE = `Usage: npm run bench:diagnose -- --differences N

  --differences N  differences in the run to diagnose (default 100000)
  -h, --help       this text
(--child URL --run ID: internal, the child process that diagnoses the run)`;

const { values } = benchArgs(USAGE, () =>
  parseArgs({
    options: {
      differences: { type: 'string', default: '100000' },
      child: { type: 'string' },
      run: { type: 'string' },
    },
  }),
);

const BASE = Date.UTC(2026, 10, 1);
const HOUR = 3_600_000;

function diffAt(i: number): Difference {
  const r = i % 100;
  const location = r < 30 ? `DC-${i % 3}` : `STORE-${String(i % 300).padStart(4, '0')}`;
  const key = { sku: `SKU-${String(i).padStart(8, '0')}`, location };
  const ts = new Date(BASE + (i % 600) * HOUR).toISOString();
  const row = {
    ...key,
    on_hand: `${(i % 5000) + 1}.000`,
    unit_cost: `${(i % 997) + 1}.25`,
    status: 'sellable',
    updated_at: ts,
  };
  const mismatch = (field: string, legacy: string, cloud: string, delta?: string): Difference => ({
    type: 'mismatch',
    key,
    fields: { [field]: { legacy, cloud, ...(delta !== undefined ? { delta } : {}) } },
    legacy: { ...row, [field]: legacy },
    cloud: { ...row, [field]: cloud },
  });
  if (r < 30) return mismatch('on_hand', row.on_hand, `${((i % 5000) + 1) * 12}.000`);
  if (r < 50) {
    const later = new Date(BASE + (i % 600) * HOUR + HOUR).toISOString();
    return mismatch('updated_at', ts, later, String(HOUR));
  }
  if (r < 65) return mismatch('status', 'RFSC', 'refunded');
  if (r < 75)
    return {
      type: 'missing_in_cloud',
      key,
      legacy: { ...row, updated_at: new Date(BASE + 600 * HOUR + (i % 7200) * 1000).toISOString() },
    };
  if (r < 85) return mismatch('unit_cost', row.unit_cost, `${(i % 997) + 1}.26`, '0.01');
  // Noise: a different amount every time.
  return mismatch('on_hand', row.on_hand, `${(i % 5000) + 1 + (i % 89) + 3}.500`);
}

async function populate(url: string, n: number): Promise<string> {
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
  await finishRun(store, runId, 'differences', { runId, name: 'bench' });
  await store.close();
  return runId;
}

async function child(url: string, runId: string): Promise<void> {
  const store = await openControlStore(url);
  const t0 = performance.now();
  const d = await diagnoseRun(store, runId);
  const seconds = (performance.now() - t0) / 1000;
  await store.close();
  process.stdout.write(
    JSON.stringify({
      seconds,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      explained: d.explained,
      unexplained: d.unexplained,
      causes: d.causes.map((c) => `${c.kind}${c.field ? `(${c.field})` : ''} ${c.count}`),
    }) + '\n',
  );
}

async function main(): Promise<void> {
  if (values.child && values.run) return child(values.child, values.run);
  const n = wholeNumber(USAGE, '--differences', values.differences);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-diagnose-bench-'));
  try {
    const url = `sqlite:${path.join(dir, 'control.db')}`;
    const t0 = performance.now();
    const runId = await populate(url, n);
    const populateS = (performance.now() - t0) / 1000;
    const res = spawnSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), '--child', url, '--run', runId],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    if (res.status !== 0) throw new Error(`diagnosis failed: ${res.stderr}`);
    const r = JSON.parse(res.stdout) as {
      seconds: number;
      peakRssMb: number;
      explained: number;
      unexplained: number;
      causes: string[];
    };
    const met = r.seconds <= 30 && r.peakRssMb <= 512;
    console.log(
      `differences=${n}: ${r.seconds.toFixed(1)} s, peak RSS ${r.peakRssMb.toFixed(0)} MB (${met ? 'meets' : 'MISSES'} ≤ 30 s within 512 MB); ` +
        `${r.explained} explained, ${r.unexplained} unexplained; causes: ${r.causes.join(', ')} (populating the store: ${populateS.toFixed(1)} s)`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

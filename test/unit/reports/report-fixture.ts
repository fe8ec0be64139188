import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '../../helpers/pg.js';
import { openControlStore, type ControlStore } from '../../../src/store/control-store.js';
import { createRun, finishRun } from '../../../src/store/runs.js';
import { encodeKey } from '../../../src/reconcilers/key.js';
import type { Mapping } from '../../../src/config/mapping-schema.js';
import type {
  CanonicalRow,
  Difference,
  FieldDelta,
  MismatchDifference,
  ReconcileSummary,
} from '../../../src/reconcilers/types.js';

/** The control-store dialects every store-reading test runs on. */
export const DIALECTS = ['sqlite', 'postgres'] as const;

/** A temp folder and a control store (SQLite in the folder, or a fresh PostgreSQL database), removed by `cleanup`. */
export async function tempStore(
  dialect: (typeof DIALECTS)[number] = 'sqlite',
): Promise<{ dir: string; store: ControlStore; cleanup: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-reports-'));
  const db = dialect === 'postgres' ? await createTestDatabase('cutover_rep') : undefined;
  const store = await openControlStore(db ? db.url : `sqlite:${path.join(dir, 'control.db')}`);
  return {
    dir,
    store,
    cleanup: async () => {
      await store.close();
      await db?.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An inventory mapping with typed, scaled, labelled fields. */
export const inventoryMapping: Mapping = {
  name: 'inventory',
  file: '/tmp/mappings/inventory.yaml',
  domain: 'inventory',
  key: ['sku', 'location'],
  fields: {
    sku: { type: 'string' },
    location: { type: 'string' },
    on_hand: { type: 'decimal', scale: 3, label: 'On hand' },
    unit_cost: { type: 'decimal', scale: 2, currency: 'USD', label: 'Unit cost' },
    description: { type: 'string', label: 'Description' },
    counted_at: { type: 'timestamp' },
    big: { type: 'decimal', scale: 4 },
  },
  legacy: { connection: 'legacy', table: 'inv', columns: {} },
  cloud: { connection: 'cloud', table: 'inv', columns: {} },
};

/** A summary consistent with `diffs`, with control totals by location. */
export function summaryFor(runId: string, diffs: Difference[]): ReconcileSummary {
  const n = (t: Difference['type']) => diffs.filter((d) => d.type === t).length;
  const fieldMismatches: Record<string, number> = {};
  for (const d of diffs)
    if (d.type === 'mismatch') for (const f of Object.keys(d.fields)) fieldMismatches[f] = (fieldMismatches[f] ?? 0) + 1;
  return {
    runId,
    name: 'inventory',
    domain: 'inventory',
    status: diffs.length ? 'differences' : 'clean',
    counts: {
      legacy: 1000,
      cloud: 990,
      matched: 1000 - n('mismatch') - n('missing_in_cloud'),
      mismatched: n('mismatch'),
      missingInCloud: n('missing_in_cloud'),
      missingInLegacy: n('missing_in_legacy'),
      duplicateKeys: n('duplicate_key'),
    },
    fieldMismatches,
    totals: [
      { group: 'on_hand by location', by: { location: 'DC-EAST' }, field: 'on_hand', legacy: '10400.000', cloud: '10388.000', difference: '-12.000', scale: 3 },
      { group: 'on_hand by location', by: { location: 'DC-WEST' }, field: 'on_hand', legacy: '5000.125', cloud: '5000.125', difference: '0.000', scale: 3 },
      { group: 'on_hand by location', by: { location: 'STORE-0042' }, field: 'on_hand', legacy: '-1.500', cloud: '0.000', difference: '1.500', scale: 3 },
      { group: 'on_hand by day', by: { day: '2026-11-25' }, field: 'on_hand', legacy: '7.000', cloud: '7.000', difference: '0.000', scale: 3 },
      { group: 'inventory value', by: {}, field: 'unit_cost', legacy: '123456.78', cloud: '123400.01', difference: '-56.77' },
    ],
    startedAt: '2026-11-26T02:00:00.000Z',
    finishedAt: '2026-11-26T02:01:30.500Z',
    durationMs: 90_500,
    systems: {
      legacy: { connection: 'legacy', url: 'postgres://app:***@legacy-db/erp', source: 'inv', rows: 1000 },
      cloud: { connection: 'cloud', url: 'sqlite:/data/cloud.db', source: 'inv', rows: 990 },
    },
  };
}

/**
 * A mismatch as the engine reports it: each side's row holds the key, `same` (fields both sides
 * agree on) and that side's value of each differing field.
 */
export function mismatch(
  key: CanonicalRow,
  fields: Record<string, FieldDelta>,
  same: CanonicalRow = {},
): MismatchDifference {
  const row = (side: 'legacy' | 'cloud'): CanonicalRow => ({
    ...key,
    ...same,
    ...Object.fromEntries(Object.entries(fields).map(([f, d]) => [f, d[side]])),
  });
  return { type: 'mismatch', key, fields, legacy: row('legacy'), cloud: row('cloud') };
}

/** The hand-made differences most tests use. */
export function sampleDiffs(): Difference[] {
  return [
    mismatch(
      { sku: 'A-100', location: 'DC-EAST' },
      {
        on_hand: { legacy: '10.000', cloud: '9.000', delta: '-1.000' },
        description: { legacy: 'Blue mug', cloud: '=HYPERLINK("http://x","y")' },
        counted_at: { legacy: '2026-11-25T14:03:11.000Z', cloud: '2026-11-25T14:03:12.000Z', delta: '1000' },
      },
    ),
    mismatch(
      { sku: '-5', location: 'DC-WEST' },
      { big: { legacy: '12345678901234567.1234', cloud: '12345678901234568.1234', delta: '1.0000' } },
    ),
    {
      type: 'missing_in_cloud',
      key: { sku: 'B-200', location: 'STORE-0042' },
      legacy: { sku: 'B-200', location: 'STORE-0042', on_hand: '-1.500', unit_cost: '4.99', description: '@SUM(A1)', counted_at: '2026-11-24T00:00:00.000Z', big: '1.0000' },
    },
    {
      type: 'missing_in_legacy',
      key: { sku: 'C-300', location: 'DC-EAST' },
      cloud: { sku: 'C-300', location: 'DC-EAST', on_hand: '3.000', unit_cost: '1.00', description: 'plain, "quoted"', counted_at: null, big: null },
    },
    { type: 'duplicate_key', key: { sku: 'D-400', location: 'DC-EAST' }, side: 'cloud', count: 2, cloud: { sku: 'D-400', location: 'DC-EAST', on_hand: '1.000' } },
  ];
}

/** Creates a finished reconcile run holding `diffs` in the store; returns its id and summary. */
export async function storeRun(
  store: ControlStore,
  diffs: Difference[],
  opts: { name?: string } = {},
): Promise<{ runId: string; summary: ReconcileSummary }> {
  const runId = await createRun(store, { prefix: 'r', command: 'reconcile', name: opts.name ?? 'inventory' });
  const summary = summaryFor(runId, diffs);
  for (let i = 0; i < diffs.length; i += 500) {
    const rows = diffs.slice(i, i + 500).map((d, j) => ({
      run_id: runId,
      seq: i + j + 1,
      type: d.type,
      key_text: encodeKey(d.key, Object.keys(d.key)),
      body: JSON.stringify(d),
    }));
    await store.knex('cutover_differences').insert(rows);
  }
  await finishRun(store, runId, summary.status, summary);
  return { runId, summary };
}

/** `n` generated mismatches on on_hand. */
export function manyMismatches(n: number): Difference[] {
  return Array.from({ length: n }, (_, i) =>
    mismatch(
      { sku: `SKU-${String(i).padStart(7, '0')}`, location: `STORE-${String(i % 300).padStart(4, '0')}` },
      { on_hand: { legacy: `${i}.000`, cloud: `${i + 1}.000`, delta: '1.000' } },
    ),
  );
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openControlStore, type ControlStore } from '../../../src/store/control-store.js';
import { createRun } from '../../../src/store/runs.js';
import { encodeKey } from '../../../src/reconcilers/key.js';
import type { Difference, MismatchDifference } from '../../../src/reconcilers/types.js';
import type { Mapping } from '../../../src/config/mapping-schema.js';
import { createTestDatabase } from '../../helpers/pg.js';

export const DIALECTS = ['sqlite', 'postgres'] as const;

/** A fresh control store of the given dialect, and how to throw it away. */
export async function freshStore(
  dialect: (typeof DIALECTS)[number],
): Promise<{ store: ControlStore; url: string; dispose(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-exc-'));
    const url = `sqlite:${path.join(dir, 'control.db')}`;
    const store = await openControlStore(url);
    return {
      store,
      url,
      async dispose() {
        await store.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const db = await createTestDatabase('cutover_exc');
  const store = await openControlStore(db.url);
  return {
    store,
    url: db.url,
    async dispose() {
      await store.close();
      await db.drop();
    },
  };
}

export const inventory = {
  name: 'inventory',
  key: ['sku', 'location'],
  fields: {
    sku: { type: 'string' },
    location: { type: 'string' },
    on_hand: { type: 'decimal', scale: 3 },
    status: { type: 'string' },
  },
  thresholds: { high: '100', medium: '5' },
  file: 'mappings/inventory.yaml',
} as unknown as Mapping;

/** A mismatch on on_hand for one sku at DC-EAST. */
export function mismatch(sku: string, legacy: string, cloud: string, delta: string): MismatchDifference {
  const key = { sku, location: 'DC-EAST' };
  return {
    type: 'mismatch',
    key,
    fields: { on_hand: { legacy, cloud, delta } },
    legacy: { ...key, on_hand: legacy, status: 'sellable' },
    cloud: { ...key, on_hand: cloud, status: 'sellable' },
  };
}

export function missing(
  type: 'missing_in_cloud' | 'missing_in_legacy',
  sku: string,
  onHand = '1.000',
): Difference {
  const key = { sku, location: 'DC-EAST' };
  const row = { ...key, on_hand: onHand, status: 'sellable' };
  return type === 'missing_in_cloud' ? { type, key, legacy: row } : { type, key, cloud: row };
}

/** Stores a reconcile run and its differences as the reconcile command does; returns the run id. */
export async function storeRun(
  store: ControlStore,
  diffs: Difference[],
  opts: { name?: string; now: Date; mapping?: Mapping },
): Promise<string> {
  const mapping = opts.mapping ?? inventory;
  const runId = await createRun(store, {
    prefix: 'r',
    command: 'reconcile',
    name: mapping.name,
    now: opts.now,
  });
  const rows = diffs.map((d, seq) => ({
    run_id: runId,
    seq,
    type: d.type,
    key_text: encodeKey(d.key, mapping.key),
    body: JSON.stringify(d),
  }));
  for (let i = 0; i < rows.length; i += 500)
    await store.knex('cutover_differences').insert(rows.slice(i, i + 500));
  return runId;
}

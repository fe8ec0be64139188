import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncReconcileExceptions } from '../../../src/exceptions/sync.js';
import { getException, getHistory, listExceptions, transition } from '../../../src/exceptions/queue.js';
import type { ControlStore } from '../../../src/store/control-store.js';
import { DIALECTS, freshStore, inventory, mismatch, storeRun } from '../../unit/exceptions/fixtures.js';

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'queue-worker.mjs');

/** Runs the worker script as its own process; resolves with what it printed. */
function worker(args: string[], startAt: number): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, START_AT: String(startAt) },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out) as unknown[]) : reject(new Error(`worker exited ${code}: ${err}`)),
    );
  });
}

// Needs dist/ (npx tsc -p tsconfig.build.json): the workers run the built core, as the binary does.
for (const dialect of DIALECTS) {
  describe(`two processes on one ${dialect} control store`, () => {
    let store: ControlStore;
    let url: string;
    let dispose: () => Promise<void>;
    beforeAll(async () => {
      ({ store, url, dispose } = await freshStore(dialect));
      const diffs = Array.from({ length: 61 }, (_, i) => mismatch(`SKU-${i}`, '1.000', '2.000', '1.000'));
      const run = await storeRun(store, diffs, { now: new Date() });
      expect((await syncReconcileExceptions(store, { mapping: inventory, runId: run })).opened).toBe(61);
    });
    afterAll(async () => dispose());

    it('2×50 concurrent reassignments of one item lose no update', async () => {
      const id = 'X-000001';
      await transition(store, [id], 'assign', { user: 'lead', assignee: 'start' });
      const start = Date.now() + 1500;
      const [a, b] = await Promise.all([
        worker([url, 'assign', 'w1', '50', id], start),
        worker([url, 'assign', 'w2', '50', id], start),
      ]);
      expect(a).toHaveLength(50);
      expect(b).toHaveLength(50);
      const history = await getHistory(store, id);
      // opened + the lead's assign + 100 reassignments, each from its own process.
      expect(history).toHaveLength(102);
      expect(history.filter((h) => h.action === 'reassign')).toHaveLength(100);
      expect(new Set(history.filter((h) => h.action === 'reassign').map((h) => h.note)).size).toBe(100);
      const item = await getException(store, id);
      expect(item.version).toBe(1 + 1 + 100);
      // Each entry's "from" assignee is the previous entry's "to": the changes form one unbroken chain.
      const chain = history.slice(1).map((h) => h.changes?.assignee);
      for (let i = 1; i < chain.length; i++) expect(chain[i]![0]).toBe(chain[i - 1]![1]);
      expect(item.assignee).toBe(chain.at(-1)![1]);
    });

    it('two workers claiming until empty get disjoint sets that cover every open item', async () => {
      const open = await listExceptions(store, { status: ['open'] });
      expect(open.total).toBe(60);
      const [a, b] = (await Promise.all([
        worker([url, 'claim', 'w1', '3'], Date.now() + 1500),
        worker([url, 'claim', 'w2', '3'], Date.now() + 1500),
      ])) as [string[], string[]];
      const both = [...a, ...b];
      expect(new Set(both).size).toBe(both.length);
      expect(new Set(both)).toEqual(new Set(open.items.map((i) => i.id)));
      expect(a.length).toBeGreaterThan(0);
      expect(b.length).toBeGreaterThan(0);
      const w1 = await listExceptions(store, { assignee: 'w1' });
      expect(new Set(w1.items.map((i) => i.id))).toEqual(new Set(a));
      expect((await listExceptions(store, { status: ['open'] })).total).toBe(0);
    });
  });
}

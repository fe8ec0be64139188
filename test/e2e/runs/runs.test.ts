import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { createTestDatabase } from '../../helpers/pg.js';
import { makeProject } from '../config/project.js';
import { openControlStore } from '../../../src/store/control-store.js';
import { createRun, finishRun } from '../../../src/store/runs.js';

// Each test runs the binary several times; a loaded CI machine needs more than the default minute.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

interface RunJson {
  id: string;
  command: string;
  name: string | null;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  summary: unknown;
  user: string | null;
  host: string | null;
}

const SUMMARY = {
  runId: 'r_20261126_0200_inventory',
  name: 'inventory',
  status: 'differences',
  counts: {
    legacy: 15000,
    cloud: 14990,
    matched: 14870,
    mismatched: 100,
    missingInCloud: 30,
    missingInLegacy: 20,
    duplicateKeys: 0,
  },
  fieldMismatches: { on_hand: 97, status: 3 },
};

/** Seeds three runs into the control store the project's cutover.yaml names. */
async function seed(url: string): Promise<void> {
  const store = await openControlStore(url);
  try {
    const a = await createRun(store, {
      prefix: 'r',
      command: 'reconcile',
      name: 'inventory',
      now: new Date('2026-11-26T02:00:00Z'),
      user: 'nightly',
    });
    await finishRun(store, a, 'differences', SUMMARY);
    const b = await createRun(store, {
      prefix: 'r',
      command: 'reconcile',
      name: 'refunds',
      now: new Date('2026-11-26T02:05:00Z'),
      user: 'nightly',
    });
    await finishRun(store, b, 'clean', { runId: b, status: 'clean', counts: { legacy: 10, cloud: 10 } });
    await createRun(store, {
      prefix: 'p',
      command: 'replay',
      now: new Date('2026-11-26T02:10:00Z'),
      user: 'ana',
    });
  } finally {
    await store.close();
  }
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`runs list / runs show (${kind} control store)`, () => {
    let project: ReturnType<typeof makeProject>;
    let drop: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      let url = 'sqlite:.cutover/control.db';
      if (kind === 'postgres') {
        const db = await createTestDatabase();
        url = db.url;
        drop = db.drop;
      }
      project = makeProject({ 'cutover.yaml': `connections: {}\ncontrol: { url: "${url}" }\n` });
      await seed(kind === 'sqlite' ? `sqlite:${path.join(project.dir, '.cutover/control.db')}` : url);
    });
    afterAll(async () => {
      project?.cleanup();
      await drop?.();
    });

    it('lists runs newest first, filtered and limited', async () => {
      let r = await runCli(['runs', 'list', '--json'], { cwd: project.dir });
      expect(r.code, r.stderr).toBe(0);
      const all = r.json<{ total: number; items: RunJson[] }>();
      expect(all.total).toBe(3);
      expect(all.items.map((x) => x.id)).toEqual([
        'p_20261126_0210',
        'r_20261126_0205_refunds',
        'r_20261126_0200_inventory',
      ]);
      expect(Object.keys(all.items[0]!).sort()).toEqual(
        [
          'command',
          'finishedAt',
          'host',
          'id',
          'name',
          'signoff',
          'startedAt',
          'status',
          'summary',
          'user',
        ].sort(),
      );
      r = await runCli(['runs', 'list', '--command', 'reconcile', '--limit', '1', '--json'], {
        cwd: project.dir,
      });
      expect(r.json()).toMatchObject({
        total: 2,
        items: [{ id: 'r_20261126_0205_refunds', status: 'clean' }],
      });
      r = await runCli(['runs', 'list', '--name', 'inventory', '--json'], { cwd: project.dir });
      expect(r.json<{ items: RunJson[] }>().items.map((x) => x.id)).toEqual(['r_20261126_0200_inventory']);
      r = await runCli(['runs', 'list', '--limit', '2'], { cwd: project.dir });
      expect(r.stdout.split('\n')[0]).toMatch(
        /^RUN\s+COMMAND\s+NAME\s+STATUS\s+SIGNOFF\s+STARTED\s+FINISHED\s+USER$/,
      );
      expect(r.stdout).toMatch(
        /r_20261126_0205_refunds\s+reconcile\s+refunds\s+clean\s+2026-11-26T02:05:00.000Z/,
      );
      expect(r.stdout).toContain('(2 of 3 runs; --limit shows more)');
    });

    it('refuses an unknown --command', async () => {
      const r = await runCli(['runs', 'list', '--command', 'reconcil'], { cwd: project.dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^Error: .*reconcil/m);
    });

    it('shows one run with its figures', async () => {
      let r = await runCli(['runs', 'show', 'r_20261126_0200_inventory', '--json'], { cwd: project.dir });
      expect(r.code, r.stderr).toBe(0);
      expect(r.json()).toMatchObject({
        id: 'r_20261126_0200_inventory',
        command: 'reconcile',
        status: 'differences',
        user: 'nightly',
        summary: SUMMARY,
      });
      r = await runCli(['runs', 'show', 'r_20261126_0200_inventory'], { cwd: project.dir });
      expect(r.stdout).toContain('Run r_20261126_0200_inventory');
      expect(r.stdout).toContain('status    differences');
      // A readable summary, not the stored JSON: counts in words with separators.
      expect(r.stdout).toContain('  rows        legacy 15,000, cloud 14,990');
      expect(r.stdout).toContain('  fields      on_hand 97, status 3');
      expect(r.stdout).not.toMatch(/[{}"]/);
    });

    it('an unknown run exits 2 and lists the recent ids', async () => {
      const r = await runCli(['runs', 'show', 'r_nope'], { cwd: project.dir });
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(
        'Error: There is no run "r_nope" in the control store. Recent runs: p_20261126_0210, r_20261126_0205_refunds, r_20261126_0200_inventory. `cutover runs list` shows them all.',
      );
    });
  });
}

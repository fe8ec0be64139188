/**
 * A reconcile whose reports cannot be written after the run is recorded (a full disk, a folder in
 * the way) keeps its work, as replay and rollback do: the run stays what it found, the exception
 * queue stays synced, a warning says so, the result is printed and the exit code is 1.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import {
  buildScenario,
  inventoryMapping,
  LEGACY_TZ,
  makeProject,
  writeSqliteCloud,
  writeSqliteLegacy,
} from './fixture.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

/** The run id `cutover reconcile` gives a run of `name` started at `at` (UTC minute). */
function runIdAt(at: Date, name: string): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `r_${at.getUTCFullYear()}${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}_${p(at.getUTCHours())}${p(at.getUTCMinutes())}_${name}`;
}

describe('cutover reconcile: reports written after the run is recorded', () => {
  let dir: string;
  beforeAll(() => {
    const scenario = buildScenario(60);
    dir = makeProject(
      { legacy: 'sqlite:./legacy.db', cloud: 'sqlite:./cloud.db' },
      { inventory: inventoryMapping({ legacyTz: LEGACY_TZ }) },
    );
    writeSqliteLegacy(path.join(dir, 'legacy.db'), scenario.legacy);
    writeSqliteCloud(path.join(dir, 'cloud.db'), scenario.cloud);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a workbook that cannot be written: a warning, the result, the run and queue kept, exit 1', async () => {
    // A folder where the workbook goes, for the run ids of this minute and the next (the run id is
    // the minute it starts): the differences and the JSON report can be written, the workbook not.
    const now = Date.now();
    for (const at of [now, now + 60_000])
      fs.mkdirSync(path.join(dir, 'reports', runIdAt(new Date(at), 'inventory'), 'reconciliation.xlsx'), {
        recursive: true,
      });
    const res = await runCli(['reconcile', 'inventory', '--report', 'xlsx,json', '--json'], { cwd: dir });
    expect(res.code, res.stderr).toBe(1);
    const out = res.json<{
      runId: string;
      status: string;
      exceptions: { opened: number };
      reports: Record<string, string>;
    }>();
    expect(out.status).toBe('differences');
    expect(out.exceptions.opened).toBeGreaterThan(0);
    // Only what was written is named: the differences and the JSON report, not the workbook.
    expect(Object.keys(out.reports).sort()).toEqual(['differences', 'json']);
    for (const file of Object.values(out.reports))
      expect(fs.statSync(path.join(dir, file)).isFile()).toBe(true);
    expect(res.stderr).toContain(
      `Warning: Reconcile ${out.runId} is done and recorded in the control store, but its report could not be written`,
    );
    expect(res.stderr).toContain('reconciliation.xlsx');
    expect(res.stderr).not.toMatch(/^Error:/m);
    expect(res.stderr).not.toMatch(/^ {4}at /m);

    // The run is recorded with what it found, not as an error, and names only what exists.
    const show = await runCli(['runs', 'show', out.runId, '--json'], { cwd: dir });
    expect(show.code, show.stderr).toBe(0);
    const run = show.json<{ status: string; summary: { reports: Record<string, string> } }>();
    expect(run.status).toBe('differences');
    expect(run.summary.reports).toEqual(out.reports);

    // The queue holds the run's exceptions: a second run (the workbook now writable) opens none.
    const list = await runCli(['exceptions', 'list', '--json'], { cwd: dir });
    expect(list.code, list.stderr).toBe(0);
    expect(list.json<{ total: number }>().total).toBe(out.exceptions.opened);
    fs.rmSync(path.join(dir, 'reports'), { recursive: true, force: true });
    const again = await runCli(['reconcile', 'inventory', '--report', 'xlsx,json', '--json'], { cwd: dir });
    expect(again.code, again.stderr).toBe(1);
    const second = again.json<{
      exceptions: { opened: number; updated: number };
      reports: Record<string, string>;
    }>();
    expect(second.exceptions.opened).toBe(0);
    expect(second.exceptions.updated).toBe(out.exceptions.opened);
    expect(Object.keys(second.reports).sort()).toEqual(['differences', 'json', 'xlsx']);
    expect(again.stderr).not.toContain('Warning:');
  });

  it('a clean run whose report cannot be written still exits 1 (a scheduler notices)', async () => {
    const clean = makeProject(
      { legacy: 'sqlite:./legacy.db', cloud: 'sqlite:./cloud.db' },
      { inventory: inventoryMapping({ legacyTz: LEGACY_TZ }) },
    );
    try {
      // The cloud is the legacy data, spelled the way the cloud spells it: nothing differs.
      const rows = buildScenario(60).legacy.filter((r, i) => i !== 5);
      writeSqliteLegacy(path.join(clean, 'legacy.db'), rows);
      writeSqliteCloud(path.join(clean, 'cloud.db'), rows);
      const now = Date.now();
      for (const at of [now, now + 60_000])
        fs.mkdirSync(path.join(clean, 'reports', runIdAt(new Date(at), 'inventory'), 'reconciliation.json'), {
          recursive: true,
        });
      const res = await runCli(['reconcile', 'inventory', '--json'], { cwd: clean });
      const out = res.json<{ runId: string; status: string; reports: Record<string, string> }>();
      expect(res.code, res.stderr).toBe(1);
      expect(res.stderr).toContain(
        `Warning: Reconcile ${out.runId} is done and recorded in the control store`,
      );
      expect(out.reports.json).toBeUndefined();
      expect(out.status).toBe('clean');
      const show = await runCli(['runs', 'show', out.runId, '--json'], { cwd: clean });
      expect(show.json<{ status: string }>().status).toBe('clean');
    } finally {
      fs.rmSync(clean, { recursive: true, force: true });
    }
  });
});

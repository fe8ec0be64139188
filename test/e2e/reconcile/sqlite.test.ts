import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import {
  buildScenario,
  inventoryMapping,
  LEGACY_TZ,
  makeProject,
  POISONED,
  readDifferences,
  summarySchema,
  writeSqliteCloud,
  writeSqliteLegacy,
  type Scenario,
} from './fixture.js';
import { checkPushdown, checkScenario, WINDOW } from './scenario-checks.js';

// Each test runs the real binary several times; on a loaded 2-core machine a run can take seconds.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

describe('cutover reconcile, SQLite ↔ SQLite', () => {
  let dir: string;
  let scenario: Scenario;
  beforeAll(() => {
    scenario = buildScenario(240);
    dir = makeProject(
      { legacy: 'sqlite:./legacy.db', cloud: 'sqlite:./cloud.db' },
      {
        inventory: inventoryMapping({ legacyTz: LEGACY_TZ }),
        poisoned: inventoryMapping({ legacyTz: LEGACY_TZ, name: 'poisoned', ...POISONED.sqlite }),
      },
    );
    writeSqliteLegacy(path.join(dir, 'legacy.db'), scenario.legacy);
    writeSqliteCloud(path.join(dir, 'cloud.db'), scenario.cloud);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('finds exactly the planted differences, totals and nothing else', async () => {
    const { summary, expected } = await checkScenario(dir, scenario);
    // The first run opens one exception per difference.
    expect(summary.exceptions).toMatchObject({
      opened: expected.differences.length,
      updated: 0,
      resolved: 0,
    });
    // The planted figures, so the reference classifier cannot silently agree with a wrong engine.
    expect(expected.counts).toMatchObject({
      duplicateKeys: 1,
      missingInCloud: scenario.planted.missingInCloud + 1,
    });
    expect(expected.counts.missingInLegacy).toBe(4); // B and NEW-0001..3
    expect(expected.fieldMismatches).toEqual({
      on_hand: scenario.planted.mismatchOnHand,
      status: scenario.planted.nullVsEmpty,
    });
    expect(scenario.planted.absorbed).toBeGreaterThan(0);
  });

  it('--since/--until limit the rows on both sides, each in its own time zone', async () => {
    const { summary, expected } = await checkScenario(dir, scenario, WINDOW);
    expect(expected.counts.legacy).toBeLessThan(scenario.legacy.length);
    expect(expected.counts.cloud).toBeLessThan(scenario.cloud.length);
    expect(summary.window).toEqual({
      field: 'updated_at',
      since: WINDOW.since.toISOString(),
      until: WINDOW.until.toISOString(),
    });
  });

  it('pushes the window down into the SQL of both sides (rows outside it are never read)', async () => {
    await checkPushdown(dir, scenario, 'poisoned');
  });

  it('gives every run a new id and keeps both', async () => {
    const a = await runCli(['reconcile', 'inventory', '--json'], { cwd: dir });
    const b = await runCli(['reconcile', 'inventory', '--json'], { cwd: dir });
    const ra = summarySchema.parse(a.json()).runId;
    const sb = summarySchema.parse(b.json());
    const rb = sb.runId;
    expect(ra).not.toBe(rb);
    // The same differences again: the exception queue updates its items instead of adding twins.
    expect(sb.exceptions).toMatchObject({ opened: 0, resolved: 0 });
    expect(sb.exceptions!.updated).toBeGreaterThan(0);
    expect(readDifferences(dir, ra).length).toBe(readDifferences(dir, rb).length);
  });

  it('writes every report format asked for and names them in the summary', async () => {
    const res = await runCli(['reconcile', 'inventory', '--report', 'xlsx,json,md,csv', '--json'], {
      cwd: dir,
    });
    expect(res.code).toBe(1);
    const s = summarySchema.parse(res.json());
    expect(Object.keys(s.reports).sort()).toEqual(['csv', 'differences', 'json', 'md', 'xlsx']);
    for (const file of Object.values(s.reports)) {
      expect(path.isAbsolute(file)).toBe(false); // shown relative to the working folder
      expect(fs.statSync(path.join(dir, file)).size).toBeGreaterThan(0);
    }
    const json = JSON.parse(fs.readFileSync(path.join(dir, s.reports.json!), 'utf8')) as {
      runId: string;
      reports: object;
    };
    expect(json.runId).toBe(s.runId);
    expect(json.reports).toMatchObject({ xlsx: s.reports.xlsx });
  });

  it('prints a readable summary without --json', async () => {
    const res = await runCli(['reconcile', 'inventory'], { cwd: dir });
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/inventory \(r_\d{8}_\d{4}_inventory(_\d+)?\): DIFFERENCES/);
    expect(res.stdout).toMatch(/duplicate keys 1/);
    expect(res.stdout).toMatch(/reports\/r_.*\/differences\.jsonl/);
    // not a TTY: no progress line
    expect(res.stderr).not.toMatch(/rows\/s/);
  });
});

describe('cutover reconcile: clean runs, several mappings, bad input', () => {
  let dir: string;
  beforeAll(() => {
    const s = buildScenario(60);
    // The cloud is the legacy data, spelled the way the cloud spells it: nothing differs.
    const clean = s.legacy.map((r) => ({ ...r }));
    dir = makeProject(
      { legacy: 'sqlite:./legacy.db', cloud: 'sqlite:./cloud.db' },
      {
        inventory: inventoryMapping({ legacyTz: LEGACY_TZ }),
        nowindow: inventoryMapping({ legacyTz: LEGACY_TZ })
          .replace('name: inventory', 'name: nowindow')
          .replace('window: { field: updated_at }\n', ''),
      },
    );
    writeSqliteLegacy(
      path.join(dir, 'legacy.db'),
      clean.filter((r, i) => i !== 5),
    );
    writeSqliteCloud(
      path.join(dir, 'cloud.db'),
      clean.filter((r, i) => i !== 5),
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exits 0 with status clean when the sides agree', async () => {
    const res = await runCli(['reconcile', 'inventory', '--json'], { cwd: dir });
    expect(res.code).toBe(0);
    const s = summarySchema.parse(res.json());
    expect(s.status).toBe('clean');
    expect(s.counts.matched).toBe(s.counts.legacy);
    expect(s.totals.every((t) => /^-?0(\.0+)?$/.test(t.difference))).toBe(true);
    expect(readDifferences(dir, s.runId)).toEqual([]);
  });

  it('--all runs every mapping and prints { runs, status }', async () => {
    const res = await runCli(['reconcile', '--all', '--json'], { cwd: dir });
    expect(res.code).toBe(0);
    const out = res.json<{ runs: unknown[]; status: string }>();
    expect(out.status).toBe('clean');
    expect(out.runs.map((r) => summarySchema.parse(r).name).sort()).toEqual(['inventory', 'nowindow']);
  });

  it('--all still runs the other mappings when one cannot run, and exits 2 naming it', async () => {
    const res = await runCli(['reconcile', '--all', '--since', '2026-11-01', '--json'], { cwd: dir });
    expect(res.code).toBe(2);
    const out = res.json<{ runs: unknown[]; status: string; errors: { name: string; error: string }[] }>();
    expect(out.status).toBe('error');
    expect(out.runs.map((r) => summarySchema.parse(r).name)).toEqual(['inventory']);
    expect(out.errors).toEqual([{ name: 'nowindow', error: expect.stringMatching(/has no window/) }]);
    expect(res.stderr).toMatch(/mapping nowindow did not run/);
    // One mapping alone that cannot run prints one object too: a scheduler parses stdout.
    const one = await runCli(['reconcile', 'nowindow', '--since', '2d', '--json'], { cwd: dir });
    expect(one.code).toBe(2);
    expect(one.json()).toEqual({
      status: 'error',
      exitCode: 2,
      error: expect.stringMatching(/has no window/),
    });
  });

  it.each([
    [[], /Name the mapping/],
    [['nosuch'], /no mapping named "nosuch"/],
    [['inventory', '--report', 'xlsx,pdf'], /--report=pdf to be one of: xlsx, json, md, csv/],
    [['inventory', '--since', 'yesterday-ish'], /--since "yesterday-ish"/],
    [['inventory', '--since', '2026-11-20', '--until', '2026-11-19'], /is not before --until/],
    [['nowindow', '--since', '2d'], /has no window/],
  ])('exits 2 on bad input: %j', async (args, message) => {
    const res = await runCli(['reconcile', ...args], { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('exits 2 naming the connection when a side cannot be opened', async () => {
    fs.renameSync(path.join(dir, 'cloud.db'), path.join(dir, 'cloud.moved'));
    try {
      const res = await runCli(['reconcile', 'inventory'], { cwd: dir });
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/cloud/);
    } finally {
      fs.renameSync(path.join(dir, 'cloud.moved'), path.join(dir, 'cloud.db'));
    }
  });
});

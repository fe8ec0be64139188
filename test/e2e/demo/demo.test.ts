import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { BIN, runCli } from '../../helpers/cli.js';
import type { DemoResult } from '../../../src/demo/run-demo.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-demo-e2e-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
/** The first demo's --json result: its second night is the replay story below. */
let first: DemoResult | undefined;

// The demo builds, reconciles two nights and writes a dashboard: minutes on a loaded CI machine.
describe('cutover demo', () => {
  it('builds the retailer, reconciles all three domains and reports exactly the planted faults', async () => {
    const r = await runCli(['demo', '--dir', dir, '--json'], { timeoutMs: 180_000 });
    expect(r.stderr).not.toMatch(/Error:/);
    expect(r.code).toBe(0); // every planted fault found exactly as planted: the demo worked
    const out = r.json<DemoResult>();
    first = out;
    expect(out.runs.map((x) => x.name)).toEqual(['inventory', 'refunds', 'postings']);
    // expected.json on disk is what the generator planted, counted row by row.
    const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));
    for (const run of out.runs) {
      const e = expected[run.name];
      expect(run.counts, run.name).toMatchObject({
        legacy: e.legacyRows,
        cloud: e.cloudRows,
        matched: e.matched,
        mismatched: e.mismatched,
        missingInCloud: e.missingInCloud,
        missingInLegacy: e.missingInLegacy,
        duplicateKeys: e.duplicateKeys,
      });
      expect(run.fieldMismatches, run.name).toEqual(e.fieldMismatches);
      expect(run.status).toBe('differences');
      expect(out.check[run.name]).toEqual([]);
    }
    const [inventory, refunds, postings] = out.runs as [
      (typeof out.runs)[0],
      (typeof out.runs)[0],
      (typeof out.runs)[0],
    ];
    // Default scale: 300 stores x 100 items plus two DCs of 400 items.
    expect(inventory.counts.legacy).toBe(30_800);
    expect(Object.keys(inventory.fieldMismatches).sort()).toEqual(['on_hand', 'status']);
    expect(inventory.counts.mismatched).toBe(400 + 37 + 90);
    // The one-cent rounding refunds are inside the 0.01 tolerance: amount and tax never show.
    expect(refunds.fieldMismatches).not.toHaveProperty('amount');
    expect(refunds.fieldMismatches).not.toHaveProperty('tax');
    expect(refunds.counts.missingInCloud).toBe(24);
    expect(refunds.fieldMismatches.status).toBe(18);
    expect(postings.counts.duplicateKeys).toBe(4);
    expect(postings.counts.missingInLegacy).toBe(1);
    expect(postings.counts.unbalancedJournals).toBe(1);
    expect(postings.checks).toMatchObject({ unbalancedJournals: { legacy: 1, cloud: 0 } });
    // The diagnosis names every planted fault as a cause with its parameters (demo check above), as
    // expected.json lists them: the cases left unconverted at DC-WEST, the unmapped refund status...
    const plantedCauses = expected.planted.flatMap((p: { causes?: unknown[] }) => p.causes ?? []);
    expect(plantedCauses.length).toBeGreaterThanOrEqual(9);
    expect(inventory.causes).toContainEqual(
      expect.objectContaining({ kind: 'unit_factor', field: 'on_hand', where: { location: 'DC-WEST' } }),
    );
    expect(refunds.causes).toContainEqual(
      expect.objectContaining({
        kind: 'code_substitution',
        count: 18,
        evidence: { legacy: 'RFSC', cloud: 'refunded' },
      }),
    );
    expect(postings.causes?.map((c) => c.kind)).toEqual(['duplicate_posting', 'rounding']);
    // The workbook and the JSON report of every run.
    for (const run of out.runs) {
      for (const kind of ['xlsx', 'json']) {
        const file = run.reports?.[kind];
        expect(file, `${run.name} ${kind}`).toBeTruthy();
        expect(fs.statSync(path.resolve(file!)).size).toBeGreaterThan(1000);
      }
    }
    for (const f of [
      'cutover.yaml',
      'legacy.db',
      'cloud.db',
      'events.jsonl',
      'mappings/events.yaml',
      'mappings/inventory.yaml',
    ])
      expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
    const events = fs.readFileSync(path.join(dir, 'events.jsonl'), 'utf8').trim().split('\n');
    expect(events.length).toBe(expected.events.total);
  }, 300_000);

  it('runs again in the same folder: rebuilt databases, same findings, runs accumulate in the control store', async () => {
    const r = await runCli(['demo', '--dir', dir], { timeoutMs: 180_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}inventory +30,800 legacy/m);
    expect(r.stdout).toMatch(/^ {2}refunds +3,024 legacy/m);
    expect(r.stdout).toMatch(/^ {2}postings /m);
    expect(r.stdout).toContain('Every planted fault was found, exactly as planted');
    // "Try next" names a command that works before `npm link`: `cutover` is not on this PATH, so
    // it is `node <bin/run.js>` as typed from the demo folder, and it runs there.
    const cli = /^ {2}(node \S+) exceptions list$/m.exec(r.stdout)?.[1] ?? '(no "Try next" line)';
    expect(path.resolve(dir, cli.slice('node '.length))).toBe(BIN);
    for (const cmd of [
      `${cli} exceptions list`,
      `${cli} report r_`,
      `${cli} replay --events events.jsonl --dry-run`,
      `${cli} rollback plan --run`,
    ])
      expect(r.stdout).toContain(cmd);
    expect(r.stdout).not.toMatch(/^ {2}cutover /m);
    const tried = spawnSync('sh', ['-c', `${cli} exceptions list --limit 1`], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, PATH: path.dirname(process.execPath) },
    });
    expect(tried.status, tried.stderr).toBe(0);
    expect(tried.stdout).toMatch(/Showing 1 of/);
    const runs = await runCli([
      'runs',
      'list',
      '--json',
      '--command',
      'reconcile',
      '--config',
      path.join(dir, 'cutover.yaml'),
    ]);
    expect(runs.code).toBe(0);
    // Each demo reconciles every mapping twice (before and after its replay): two demos, twelve runs.
    expect(runs.json<{ total: number }>().total).toBe(12);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 300_000);

  it("tells a coherent story: its second night replays last night's events and closes exactly the batch-lag differences", () => {
    const out = first!;
    const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));
    expect(out.secondNight.replay.status).toBe('complete');
    expect(out.secondNight.replay.counts.applied).toBe(expected.events.total);
    const runs = out.secondNight.runs;
    expect(runs.map((x) => x.name)).toEqual(['inventory', 'refunds', 'postings']);
    const byName = Object.fromEntries(runs.map((x) => [x.name, x]));
    const lag = expected.planted.find(
      (p: { fault: string; domain: string }) =>
        p.domain === 'inventory' && p.fault.startsWith("last night's"),
    ).rows;
    expect(byName.inventory!.counts.mismatched).toBe(expected.inventory.mismatched - lag);
    expect(byName.inventory!.fieldMismatches.on_hand).toBe(expected.inventory.fieldMismatches.on_hand - lag);
    expect(byName.refunds!.counts.missingInCloud).toBe(0);
    expect(byName.refunds!.counts.mismatched).toBe(expected.refunds.mismatched);
    expect(byName.refunds!.counts.cloud).toBe(expected.refunds.legacyRows);
    // The dashboard of both nights, small enough to mail.
    expect(out.secondNight.dashboard).toBe(path.join(dir, 'dashboard.html'));
    const html = fs.readFileSync(out.secondNight.dashboard, 'utf8');
    expect(html.length).toBeLessThan(1_000_000);
    for (const run of [...out.runs, ...runs]) expect(html).toContain(`data-run="${run.runId}"`);
  });

  it("never overwrites a project's cutover.yaml", async () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-demo-project-'));
    try {
      const text = 'connections:\n  legacy: { url: "sqlite:prod.db" }\n';
      fs.writeFileSync(path.join(project, 'cutover.yaml'), text);
      const r = await runCli(['demo', '--dir', project]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/was not written by `cutover demo`.*--dir/);
      expect(fs.readFileSync(path.join(project, 'cutover.yaml'), 'utf8')).toBe(text);
      expect(fs.existsSync(path.join(project, 'legacy.db'))).toBe(false);
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  }, 180_000);

  it('refuses a scale it cannot build, with exit 2 and a hint', async () => {
    const r = await runCli(['demo', '--dir', path.join(dir, 'never'), '--scale', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--scale 0 is out of range/);
    expect(fs.existsSync(path.join(dir, 'never'))).toBe(false);
    // A file where the folder should be is bad input too, not a fault in cutover.
    const file = path.join(dir, 'not-a-folder.md');
    fs.writeFileSync(file, 'notes\n');
    const f = await runCli(['demo', '--dir', file]);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/is a file; the demo needs a folder/);
    expect(fs.readFileSync(file, 'utf8')).toBe('notes\n');
  }, 180_000);
});

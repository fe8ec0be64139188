// The rollback cases run over every target dialect (rollback.test.ts: SQLite and PostgreSQL;
// rollback-mariadb.test.ts: MariaDB), each through the real binary.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import { runCli, BIN } from '../../helpers/cli.js';
import {
  bigNight,
  removeTempDirs,
  makeProject,
  mariadbKit,
  postgresKit,
  smallNight,
  sqliteKit,
  tempDir,
  type TargetKit,
} from './fixture.js';

export interface PlanJson {
  planId: string;
  runId: string;
  hash: string;
  counts: { ok: number; conflict: number; manual: number };
}
export interface ApplyJson {
  planId: string;
  status: 'complete' | 'partial';
  counts: { undone: number; skipped: number; manual: number };
}

/** Checks the `--json` shapes SPEC promises (runbooks parse them). */
export function expectPlanShape(j: PlanJson): void {
  expect(j.planId).toMatch(/^b_\d{8}_\d{4}(_\d+)?$/);
  expect(j.runId).toMatch(/^p_/);
  expect(j.hash).toMatch(/^[0-9a-f]{64}$/);
  for (const k of ['ok', 'conflict', 'manual'] as const) expect(Number.isInteger(j.counts[k])).toBe(true);
}
export function expectApplyShape(j: ApplyJson): void {
  expect(['complete', 'partial']).toContain(j.status);
  for (const k of ['undone', 'skipped', 'manual'] as const) expect(Number.isInteger(j.counts[k])).toBe(true);
}

export async function replay(dir: string, group?: string): Promise<string> {
  // The default grouping puts deletes and upserts of different keys in one transaction: the before-
  // and after-images the ledger records for them must not shift (apply-pg.ts reads one result per statement).
  const args = ['replay', '--events', 'events.jsonl', '--json', ...(group ? ['--group', group] : [])];
  const r = await runCli(args, { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return r.json<{ runId: string }>().runId;
}

export async function plan(dir: string, runId: string): Promise<PlanJson> {
  const r = await runCli(['rollback', 'plan', '--run', runId, '--json'], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  const j = r.json<PlanJson>();
  expectPlanShape(j);
  return j;
}

export async function marks(kit: TargetKit): Promise<number> {
  const rows = await kit.rows(
    kit.dialect === 'postgres'
      ? "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'cutover_rollback_ledger'"
      : kit.dialect === 'mariadb'
        ? "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'cutover_rollback_ledger'"
        : "SELECT count(*) AS n FROM sqlite_master WHERE name = 'cutover_rollback_ledger'",
  );
  if (!Number(rows[0]!.n)) return 0;
  return Number((await kit.rows('SELECT count(*) AS n FROM cutover_rollback_ledger'))[0]!.n);
}

/** The rollback cases every target dialect must pass (one test file per dialect, so they run in parallel). */
export function rollbackSuite(dialect: TargetKit['dialect']): void {
  // Each test runs the real binary several times (about 1-3 s a start on a busy machine).
  describe(`rollback on ${dialect}`, { timeout: 180_000 }, () => {
    let kit: TargetKit | undefined;
    const open = async (keys = 8) =>
      (kit =
        dialect === 'sqlite'
          ? await sqliteKit(tempDir(), keys)
          : dialect === 'mariadb'
            ? await mariadbKit(keys)
            : await postgresKit(keys));

    beforeAll(() => {
      expect(
        fs.existsSync(path.resolve('dist/src/commands/rollback/apply.js')),
        'build first: npx tsc -p tsconfig.build.json',
      ).toBe(true);
    });
    afterEach(async () => {
      await kit?.close();
      kit = undefined;
      removeTempDirs();
    });

    it('plan then apply puts the target back row for row', async () => {
      const k = await open();
      const dir = makeProject(k.url, smallNight(false));
      const before = await k.snapshot();
      const runId = await replay(dir);
      const replayed = await k.snapshot();
      expect(replayed).not.toBe(before);

      const p = await plan(dir, runId);
      expect(p.counts).toEqual({ ok: 20, conflict: 0, manual: 0 });
      expect(await k.snapshot()).not.toBe(before); // planning reads the target only
      const md = fs.readFileSync(path.join(dir, 'reports', p.planId, 'rollback-plan.md'), 'utf8');
      expect(md).toContain(p.hash);
      const saved = JSON.parse(
        fs.readFileSync(path.join(dir, 'reports', p.planId, 'rollback-plan.json'), 'utf8'),
      );
      expect(saved.actions.map((a: { seq: number }) => a.seq)).toEqual(
        [...saved.actions.map((a: { seq: number }) => a.seq)].sort((a, b) => b - a),
      );

      const a = await runCli(['rollback', 'apply', p.planId, '--yes', '--json'], { cwd: dir });
      expect(a.code, a.stderr).toBe(0);
      const j = a.json<ApplyJson>();
      expectApplyShape(j);
      expect(j).toMatchObject({
        planId: p.planId,
        status: 'complete',
        counts: { undone: 20, skipped: 0, manual: 0 },
      });
      expect(await k.snapshot()).toBe(before);
      expect(await marks(k)).toBe(20);
      expect(fs.existsSync(path.join(dir, 'reports', p.planId, 'rollback.md'))).toBe(true);
      for (const f of ['rollback-plan.xlsx', 'rollback.xlsx'])
        expect(fs.statSync(path.join(dir, 'reports', p.planId, f)).size).toBeGreaterThan(2000);

      // The same command again changes nothing: every event is marked.
      const again = await runCli(['rollback', 'apply', p.planId, '--yes', '--json'], { cwd: dir });
      expect(again.code, again.stderr).toBe(0);
      expect(again.json<ApplyJson>().counts.undone).toBe(20);
      expect(await k.snapshot()).toBe(before);
      const told = await runCli(['rollback', 'apply', p.planId, '--yes'], { cwd: dir });
      expect(told.stdout).toMatch(/20 undone \(all by an earlier apply of this plan\), 0 skipped/);

      // The run is undone: there is nothing left to plan for it.
      const none = await runCli(['rollback', 'plan', '--run', runId], { cwd: dir });
      expect(none.code).toBe(2);
      expect(none.stderr).toMatch(
        new RegExp(`Every event of run ${runId} has already been undone \\(by ${p.planId}\\)`),
      );

      // Go-live is tried again another night with the same events: they are applied again, not
      // skipped as "already applied" (the rollback took them out of the replay ledger) ...
      const r2 = await runCli(['replay', '--events', 'events.jsonl', '--json'], { cwd: dir });
      expect(r2.code, r2.stderr).toBe(0);
      const j2 = r2.json<{ runId: string; counts: { applied: number; alreadyApplied: number } }>();
      expect(j2.counts).toMatchObject({ applied: 20, alreadyApplied: 0 });
      expect(await k.snapshot()).toBe(replayed);
      // ... and that run can be rolled back in turn.
      const p2 = await plan(dir, j2.runId);
      expect(p2.counts).toEqual({ ok: 20, conflict: 0, manual: 0 });
      const a2 = await runCli(['rollback', 'apply', p2.planId, '--yes', '--json'], { cwd: dir });
      expect(a2.code, a2.stderr).toBe(0);
      expect(a2.json<ApplyJson>().counts).toEqual({ undone: 20, skipped: 0, manual: 0 });
      expect(await k.snapshot()).toBe(before);
      expect(await marks(k)).toBe(40);
    });

    it('lists irreversible events for a person, with their amounts, and leaves them in place', async () => {
      const k = await open();
      const dir = makeProject(k.url, smallNight(true));
      const runId = await replay(dir);
      const p = await plan(dir, runId);
      expect(p.counts).toEqual({ ok: 20, conflict: 0, manual: 1 });
      const md = fs.readFileSync(path.join(dir, 'reports', p.planId, 'rollback-plan.md'), 'utf8');
      expect(md).toMatch(/## For a person \(1\)[\s\S]*ev-0021[\s\S]*amount 25\.00/);

      const a = await runCli(['rollback', 'apply', p.planId, '--yes', '--json'], { cwd: dir });
      expect(a.code, a.stderr).toBe(1);
      expect(a.json<ApplyJson>()).toMatchObject({
        status: 'partial',
        counts: { undone: 20, skipped: 0, manual: 1 },
      });
      expect(await k.rows('SELECT refund_id FROM refunds')).toEqual([{ refund_id: 'R-1' }]);
      const report = JSON.parse(
        fs.readFileSync(path.join(dir, 'reports', p.planId, 'rollback.json'), 'utf8'),
      );
      expect(report.manual[0]).toMatchObject({
        eventId: 'ev-0021',
        payload: { refundId: 'R-1', amount: '25.00' },
      });
      expect(report.manual[0].reason).toMatch(/^amount 25\.00: refund\.issued is declared irreversible/);
    });

    it('does not clobber a row changed after the replay: a conflict in the plan, skipped only when told', async () => {
      const k = await open();
      const dir = makeProject(k.url, smallNight(false));
      const runId = await replay(dir);
      await k.exec("UPDATE inventory_balance SET qty_on_hand = 555 WHERE sku = 'SKU-0'");
      const p = await plan(dir, runId);
      // Both events on SKU-0 are conflicts: the later one differs, the earlier one chains behind it.
      expect(p.counts).toEqual({ ok: 18, conflict: 2, manual: 0 });
      const ex = await runCli(['exceptions', 'list', '--json'], { cwd: dir });
      expect(ex.code, ex.stderr).toBe(0);
      const items = ex
        .json<{ items: { kind: string; key: string }[] }>()
        .items.filter((i) => i.kind === 'rollback_conflict');
      expect(items.map((i) => i.key).sort()).toEqual(['ev-0001', 'ev-0002']);

      const snap = await k.snapshot();
      const refused = await runCli(['rollback', 'apply', p.planId, '--yes', '--json'], { cwd: dir });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/2 conflicts[\s\S]*Nothing was written[\s\S]*--skip-conflicts/);
      expect(await k.snapshot()).toBe(snap);
      expect(await marks(k)).toBe(0);

      const a = await runCli(['rollback', 'apply', p.planId, '--yes', '--skip-conflicts', '--json'], {
        cwd: dir,
      });
      expect(a.code, a.stderr).toBe(1);
      expect(a.json<ApplyJson>()).toMatchObject({
        status: 'partial',
        counts: { undone: 18, skipped: 2, manual: 0 },
      });
      const sku0 = await k.rows("SELECT qty_on_hand FROM inventory_balance WHERE sku = 'SKU-0'");
      expect(Number(sku0[0]!.qty_on_hand)).toBe(555);
      const sku5 = await k.rows("SELECT qty_on_hand FROM inventory_balance WHERE sku = 'SKU-5'");
      expect(String(sku5[0]!.qty_on_hand)).toMatch(/^100(\.000)?$/);
    });

    it('refuses a plan made stale by a change after planning, and skips that one only with --skip-conflicts', async () => {
      const k = await open();
      const dir = makeProject(k.url, smallNight(false));
      const runId = await replay(dir);
      const p = await plan(dir, runId);
      expect(p.counts.conflict).toBe(0);
      await k.exec("UPDATE inventory_balance SET last_event = 'by hand' WHERE sku = 'SKU-2'");
      const snap = await k.snapshot();
      const refused = await runCli(['rollback', 'apply', p.planId, '--yes'], { cwd: dir });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/stale[\s\S]*last_event is by hand/);
      expect(await k.snapshot()).toBe(snap);
      expect(await marks(k)).toBe(0);

      const a = await runCli(['rollback', 'apply', p.planId, '--yes', '--skip-conflicts', '--json'], {
        cwd: dir,
      });
      expect(a.code, a.stderr).toBe(1);
      // SKU-2 had three events: the note (changed since) and the two increments behind it.
      expect(a.json<ApplyJson>().counts).toEqual({ undone: 17, skipped: 3, manual: 0 });
      const sku2 = await k.rows("SELECT last_event FROM inventory_balance WHERE sku = 'SKU-2'");
      expect(sku2[0]!.last_event).toBe('by hand');
    });

    it('SIGKILL during apply, then the same command again: finishes without undoing anything twice', async () => {
      const k = await open(100);
      const dir = makeProject(k.url, bigNight(100, 20));
      const before = await k.snapshot();
      const runId = await replay(dir, '25'); // increments only: the grouped path is sound here
      const p = await plan(dir, runId);
      expect(p.counts).toEqual({ ok: 2000, conflict: 0, manual: 0 });

      const child = spawn(process.execPath, [BIN, 'rollback', 'apply', p.planId, '--yes'], {
        cwd: dir,
        stdio: 'ignore',
      });
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      let atKill = 0;
      for (let i = 0; i < 2000 && atKill === 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
        atKill = await marks(k).catch(() => 0);
      }
      child.kill('SIGKILL');
      await exited;
      const afterKill = await marks(k);
      expect(afterKill, 'killed before it undid anything').toBeGreaterThan(0);
      expect(afterKill, 'finished before the kill: nothing to resume').toBeLessThan(2000);
      // What the marks say is what the rows show: committed groups undone, the rest untouched.
      const halfway = await k.rows('SELECT sum(qty_on_hand) AS s FROM inventory_balance');
      expect(String(halfway[0]!.s)).not.toMatch(/^10000(\.0+)?$/);

      const a = await runCli(['rollback', 'apply', p.planId, '--yes', '--json'], { cwd: dir });
      expect(a.code, a.stderr).toBe(0);
      expect(a.json<ApplyJson>()).toMatchObject({
        status: 'complete',
        counts: { undone: 2000, skipped: 0, manual: 0 },
      });
      const report = JSON.parse(
        fs.readFileSync(path.join(dir, 'reports', p.planId, 'rollback.json'), 'utf8'),
      );
      expect(report.resumed).toBe(afterKill);
      expect(await marks(k)).toBe(2000);
      expect(await k.snapshot()).toBe(before);
    });
  });
}

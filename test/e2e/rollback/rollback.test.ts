import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, it, expect, afterEach } from 'vitest';
import { runCli, BIN } from '../../helpers/cli.js';
import {
  removeTempDirs,
  makeProject,
  smallNight,
  sqliteKit,
  tempDir,
  writeConfig,
  type TargetKit,
} from './fixture.js';
import { marks, plan, replay, rollbackSuite, type ApplyJson } from './suite.js';

for (const dialect of ['sqlite', 'postgres'] as const) rollbackSuite(dialect);

describe('rollback guards (exit 2, nothing written)', { timeout: 240_000 }, () => {
  let kit: TargetKit | undefined;
  afterEach(async () => {
    await kit?.close();
    kit = undefined;
    removeTempDirs();
  });

  it('unknown run or plan, no --yes off a terminal, read-only, another target or database, an edited plan', async () => {
    const k = (kit = await sqliteKit(tempDir()));
    const dir = makeProject(k.url, smallNight(false));
    const runId = await replay(dir);

    const noRun = await runCli(['rollback', 'plan', '--run', 'p_20200101_0000'], { cwd: dir });
    expect(noRun.code).toBe(2);
    expect(noRun.stderr).toMatch(/no replay run "p_20200101_0000"[\s\S]*Recent runs: p_/);
    const noPlan = await runCli(['rollback', 'apply', 'b_20200101_0000', '--yes'], { cwd: dir });
    expect(noPlan.code).toBe(2);
    expect(noPlan.stderr).toMatch(/no rollback plan "b_20200101_0000"/);

    const p = await plan(dir, runId);
    const snap = await k.snapshot();
    const untouched = async () => {
      expect(await k.snapshot()).toBe(snap);
      expect(await marks(k)).toBe(0);
    };

    const noYes = await runCli(['rollback', 'apply', p.planId], { cwd: dir });
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toMatch(/not a terminal[\s\S]*--yes/);
    await untouched();

    writeConfig(dir, k.url, true);
    const roPlan = await runCli(['rollback', 'plan', '--run', runId], { cwd: dir });
    expect(roPlan.code).toBe(2);
    expect(roPlan.stderr).toMatch(/"cloud".*readOnly/);
    const roApply = await runCli(['rollback', 'apply', p.planId, '--yes'], { cwd: dir });
    expect(roApply.code).toBe(2);
    expect(roApply.stderr).toMatch(/readOnly/);
    await untouched();

    // The connection now points at a copy (same ledger, other file): the plan is for another target.
    const copy = path.join(path.dirname(k.url.replace(/^sqlite:/, '')), 'copy.db');
    fs.copyFileSync(k.url.replace(/^sqlite:/, ''), copy);
    writeConfig(dir, `sqlite:${copy}`);
    const other = await runCli(['rollback', 'apply', p.planId, '--yes'], { cwd: dir });
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(
      /was made for the connection "cloud" at sqlite:.*cloud\.db, but "cloud" is now sqlite:.*copy\.db/,
    );
    await untouched();

    // Same connection, but the database no longer holds the run's ledger.
    writeConfig(dir, k.url);
    await k.exec("UPDATE cutover_replay_ledger SET run_id = 'p_other'");
    const notRun = await runCli(['rollback', 'apply', p.planId, '--yes'], { cwd: dir });
    expect(notRun.code).toBe(2);
    expect(notRun.stderr).toMatch(/not the one rollback plan .* holds 0 of the 20 events/);
    await k.exec(`UPDATE cutover_replay_ledger SET run_id = '${runId}'`);
    await untouched();

    // Someone edits the stored plan: its hash no longer matches.
    const Database = (await import('better-sqlite3')).default;
    const control = new Database(path.join(dir, 'control.db'));
    control
      .prepare(
        'UPDATE cutover_rollback_plans SET plan = replace(plan, \'"restore 1 row"\', \'"restore 2 rows"\')',
      )
      .run();
    control.close();
    const edited = await runCli(['rollback', 'apply', p.planId, '--yes'], { cwd: dir });
    expect(edited.code).toBe(2);
    expect(edited.stderr).toMatch(/was changed after it was made/);
    await untouched();
  });
});

describe('rollback of a run that also called an HTTP API', { timeout: 180_000 }, () => {
  let kit: TargetKit | undefined;
  let server: http.Server | undefined;
  afterEach(async () => {
    await kit?.close();
    kit = undefined;
    removeTempDirs();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
  });

  it('undoes the database effects and lists each HTTP effect for a person, with the amounts from its payload', async () => {
    const requests: string[] = [];
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        requests.push(`${req.method} ${req.url}`);
        res.statusCode = req.method === 'HEAD' ? 200 : 201;
        res.end('{}');
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const k = (kit = await sqliteKit(tempDir()));
    const events = [
      ...smallNight(false),
      {
        id: 'rma-1',
        type: 'return.authorized',
        key: 'RMA-1',
        occurredAt: '2026-11-25T23:00:00.000Z',
        payload: { rma: 'RMA-1', amount: '19.99', currency: 'USD' },
      },
    ];
    const dir = makeProject(k.url, events, {
      apiUrl: `http://127.0.0.1:${port}`,
      extraRules:
        '  return.authorized:\n    target: api\n    request: { method: POST, path: "/returns/{$.payload.rma}", body: $.payload }\n',
    });
    const before = await k.snapshot();
    const runId = await replay(dir);
    expect(requests.filter((r) => r.startsWith('POST'))).toEqual(['POST /returns/RMA-1']);

    const p = await plan(dir, runId);
    expect(p.counts).toEqual({ ok: 20, conflict: 0, manual: 1 });
    const a = await runCli(['rollback', 'apply', p.planId, '--yes', '--json'], { cwd: dir });
    expect(a.code, a.stderr).toBe(1);
    expect(a.json<ApplyJson>()).toMatchObject({
      status: 'partial',
      counts: { undone: 20, skipped: 0, manual: 1 },
    });
    expect(await k.snapshot()).toBe(before);
    const md = fs.readFileSync(path.join(dir, 'reports', p.planId, 'rollback.md'), 'utf8');
    expect(md).toMatch(
      /## Left for a person \(1\)[\s\S]*rma-1[\s\S]*amount 19\.99[\s\S]*POST \/returns\/RMA-1 answered 201 on api/,
    );
    expect(requests.filter((r) => r.startsWith('POST'))).toHaveLength(1); // rollback sent nothing
  });
});

describe('rollback apply on a terminal', { timeout: 180_000 }, () => {
  let kit: TargetKit | undefined;
  afterEach(async () => {
    await kit?.close();
    kit = undefined;
    removeTempDirs();
  });

  /** Runs apply under a pseudo-terminal (util-linux `script`), answering the question with `answer`. */
  const onTerminal = (dir: string, planId: string, answer: string) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(
        'script',
        ['-qec', `"${process.execPath}" "${BIN}" rollback apply ${planId}`, '/dev/null'],
        {
          cwd: dir,
          env: { ...process.env, NO_COLOR: '1' },
        },
      );
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('close', (code) => resolve({ code, out }));
      child.stdin.end(`${answer}\n`);
    });

  it('asks first: "n" writes nothing, "y" applies', async () => {
    const k = (kit = await sqliteKit(tempDir()));
    const dir = makeProject(k.url, smallNight(false));
    const before = await k.snapshot();
    const runId = await replay(dir);
    const p = await plan(dir, runId);
    const snap = await k.snapshot();

    const no = await onTerminal(dir, p.planId, 'n');
    expect(no.out).toMatch(/Undo 20 events of run p_\S+ on cloud\? \[y\/N\]/);
    expect(no.code).toBe(2);
    expect(await k.snapshot()).toBe(snap);
    expect(await marks(k)).toBe(0);

    const yes = await onTerminal(dir, p.planId, 'y');
    expect(yes.out).toMatch(/20 undone, 0 skipped, 0 left for a person/);
    expect(yes.code).toBe(0);
    expect(await k.snapshot()).toBe(before);
  });
});

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import ExcelJS from 'exceljs';
import { describe, it, expect, afterAll } from 'vitest';
import { runCli, BIN } from '../../helpers/cli.js';
import { makeProject, writeEvents, at, INVENTORY_MAPPING, type Ev } from './fixture.js';

/** A project with a SQLite target holding inventory_balance (A-100@S1 at 10.000) and refunds. */
function project(mapping = INVENTORY_MAPPING): { dir: string; target: string } {
  const dir = makeProject({ cloud: '{ url: "sqlite:./target.db" }' }, mapping);
  const target = path.join(dir, 'target.db');
  const db = new Database(target);
  db.exec(`CREATE TABLE inventory_balance (sku TEXT NOT NULL, location_code TEXT NOT NULL, qty_on_hand TEXT, last_event TEXT,
             PRIMARY KEY (sku, location_code));
           CREATE TABLE refunds (refund_id TEXT PRIMARY KEY, amount TEXT NOT NULL, refunded_at TEXT);
           INSERT INTO inventory_balance VALUES ('A-100', 'S1', '10.000', NULL);`);
  db.close();
  return { dir, target };
}

function adjusted(id: string, sku: string, delta: string, n: number): Ev {
  return {
    id,
    type: 'inventory.adjusted',
    key: `${sku}@S1`,
    occurredAt: at(n),
    payload: { sku, location: 'S1', delta },
  };
}

function row(target: string, sku: string): { qty_on_hand: string; last_event: string | null } | undefined {
  const db = new Database(target, { readonly: true });
  try {
    return db
      .prepare(`SELECT qty_on_hand, last_event FROM inventory_balance WHERE sku = ? AND location_code = 'S1'`)
      .get(sku) as { qty_on_hand: string; last_event: string | null } | undefined;
  } finally {
    db.close();
  }
}

function ledger(target: string): { event_id: string; run_id: string; seq: number }[] {
  const db = new Database(target, { readonly: true });
  try {
    return db.prepare('SELECT event_id, run_id, seq FROM cutover_replay_ledger ORDER BY seq').all() as {
      event_id: string;
      run_id: string;
      seq: number;
    }[];
  } finally {
    db.close();
  }
}

interface RunRow {
  id: string;
  command: string;
  status: string;
  finishedAt: string | null;
  summary: Record<string, unknown> | null;
}

async function replayRuns(dir: string): Promise<RunRow[]> {
  const res = await runCli(['runs', 'list', '--json', '--limit', '100'], { cwd: dir });
  expect(res.code, res.stderr).toBe(0);
  const out = res.json<{ total: number; items: RunRow[] }>();
  expect(Array.isArray(out.items)).toBe(true);
  return out.items.filter((r) => r.command === 'replay');
}

async function showRun(dir: string, runId: string): Promise<RunRow> {
  const res = await runCli(['runs', 'show', runId, '--json'], { cwd: dir });
  expect(res.code, res.stderr).toBe(0);
  return res.json<RunRow>();
}

type Counts = { read: number; applied: number; alreadyApplied: number; failed: number; parked: number };

describe('cutover replay: edges of its input', () => {
  it('orders two events of one key by the digits below the millisecond, not by file order', async () => {
    const { dir, target } = project();
    // Same millisecond; the .000900 one is later in time but first in the file.
    writeEvents(dir, [
      {
        id: 'late',
        type: 'inventory.counted',
        key: 'A-100@S1',
        occurredAt: '2026-11-25T02:00:00.000900Z',
        payload: { sku: 'A-100', location: 'S1', qty: '90.000' },
      },
      {
        id: 'early',
        type: 'inventory.counted',
        key: 'A-100@S1',
        occurredAt: '2026-11-25T02:00:00.000100Z',
        payload: { sku: 'A-100', location: 'S1', qty: '10.000' },
      },
    ]);
    const res = await runCli(['replay', '--events', 'events.jsonl', '--json'], { cwd: dir });
    expect(res.code, res.stderr).toBe(0);
    expect(res.json<{ counts: Counts }>().counts).toEqual({
      read: 2,
      applied: 2,
      alreadyApplied: 0,
      failed: 0,
      parked: 0,
    });
    // Applied last: the .000900 event.
    expect(row(target, 'A-100')).toEqual({ qty_on_hand: '90.000', last_event: 'late' });
    expect(ledger(target).map((l) => l.event_id)).toEqual(['early', 'late']);
  }, 30_000);

  it('reads a .jsonl file that starts with a UTF-8 byte-order mark', async () => {
    const { dir, target } = project();
    const file = writeEvents(dir, [
      adjusted('b1', 'A-100', '-1.000', 1),
      adjusted('b2', 'A-100', '-2.000', 2),
      adjusted('b3', 'A-100', '-3.000', 3),
    ]);
    fs.writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), fs.readFileSync(file)]));
    const res = await runCli(['replay', '--events', 'events.jsonl', '--json'], { cwd: dir });
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json<{ counts: Counts }>().counts).toEqual({
      read: 3,
      applied: 3,
      alreadyApplied: 0,
      failed: 0,
      parked: 0,
    });
    expect(row(target, 'A-100')!.qty_on_hand).toBe('4.000');
    expect(ledger(target).map((l) => l.event_id)).toEqual(['b1', 'b2', 'b3']);
  }, 30_000);

  it('fails an event id used again with different content, and never counts it as already applied', async () => {
    const { dir, target } = project();
    writeEvents(dir, [adjusted('evt-1', 'A-100', '-2.000', 1), adjusted('evt-1', 'A-100', '-5.000', 1)]);

    const dry = await runCli(['replay', '--events', 'events.jsonl', '--dry-run', '--json'], { cwd: dir });
    expect(dry.code, dry.stderr).toBe(1);
    const dryOut = dry.json<{ counts: Counts; dryRun: { wouldFail: { line: number; problem: string }[] } }>();
    expect(dryOut.counts).toEqual({ read: 2, applied: 1, alreadyApplied: 0, failed: 1, parked: 0 });
    expect(dryOut.dryRun.wouldFail).toHaveLength(1);
    expect(dryOut.dryRun.wouldFail[0]).toMatchObject({ line: 2 });
    expect(dryOut.dryRun.wouldFail[0]!.problem).toMatch(/"evt-1" is used again with different content/);

    const res = await runCli(['replay', '--events', 'events.jsonl', '--json'], { cwd: dir });
    expect(res.code, res.stderr).toBe(1);
    const out = res.json<{ runId: string; counts: Counts }>();
    expect(out.counts).toEqual({ read: 2, applied: 1, alreadyApplied: 0, failed: 1, parked: 0 });
    expect(row(target, 'A-100')!.qty_on_hand).toBe('8.000');
    expect(ledger(target).map((l) => l.event_id)).toEqual(['evt-1']);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'reports', out.runId, 'replay.json'), 'utf8'));
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]).toMatchObject({ eventId: 'evt-1', line: 2 });
    expect(report.failures[0].error).toMatch(/used again with different content/);

    // With the first one in the ledger, the dry run still says the second would fail...
    const dry2 = await runCli(['replay', '--events', 'events.jsonl', '--dry-run', '--json'], { cwd: dir });
    expect(dry2.code, dry2.stderr).toBe(1);
    expect(dry2.json<{ counts: Counts }>().counts).toEqual({
      read: 2,
      applied: 0,
      alreadyApplied: 1,
      failed: 1,
      parked: 0,
    });
    // ...and so does the replay: the first is already applied, the second fails again.
    const again = await runCli(['replay', '--events', 'events.jsonl', '--json'], { cwd: dir });
    expect(again.code, again.stderr).toBe(1);
    expect(again.json<{ counts: Counts }>().counts).toEqual({
      read: 2,
      applied: 0,
      alreadyApplied: 1,
      failed: 1,
      parked: 0,
    });
    expect(row(target, 'A-100')!.qty_on_hand).toBe('8.000');
    expect(ledger(target)).toHaveLength(1);
  }, 30_000);

  it('refuses --events naming a folder (exit 2, one paragraph, no run recorded)', async () => {
    const { dir } = project();
    fs.mkdirSync(path.join(dir, 'captured'));
    writeEvents(dir, [adjusted('f1', 'A-100', '1', 1)], 'captured/night.jsonl');
    const res = await runCli(['replay', '--events', 'captured', '--json'], { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/is a folder/);
    expect(res.stderr).not.toMatch(/^ {4}at /m);
    // Under --json the failure is one object on stdout too, with the same paragraph.
    expect(res.json()).toEqual({ status: 'error', exitCode: 2, error: expect.stringMatching(/is a folder/) });
    expect(await replayRuns(dir)).toEqual([]);
  }, 30_000);

  it('records no run when the source or the mapping turns out bad after the source is parsed', async () => {
    // (a) a truncated .jsonl.gz
    const a = project();
    const lines =
      [adjusted('g1', 'A-100', '1', 1), adjusted('g2', 'A-100', '2', 2), adjusted('g3', 'A-100', '3', 3)]
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n';
    const gz = zlib.gzipSync(Buffer.from(lines));
    fs.writeFileSync(path.join(a.dir, 'night.jsonl.gz'), gz.subarray(0, gz.length - 12));
    const trunc = await runCli(['replay', '--events', 'night.jsonl.gz', '--json'], { cwd: a.dir });
    expect(trunc.code, trunc.stdout + trunc.stderr).toBe(2);
    expect(trunc.stderr).toMatch(/night\.jsonl\.gz/);
    expect(trunc.stderr).not.toMatch(/^ {4}at /m);
    expect(await replayRuns(a.dir)).toEqual([]);
    expect(row(a.target, 'A-100')!.qty_on_hand).toBe('10.000');

    // (b) `values` names a column the target table does not have
    const b = project(
      INVENTORY_MAPPING.replace(
        'values: { qty_on_hand: $.payload.delta }',
        'values: { qty_on_hnd: $.payload.delta }',
      ),
    );
    expect(fs.readFileSync(path.join(b.dir, 'mappings', 'events.yaml'), 'utf8')).toMatch(/qty_on_hnd/);
    writeEvents(b.dir, [adjusted('m1', 'A-100', '1', 1)]);
    const checkMessage = (stderr: string) => {
      expect(stderr).toContain(path.join('mappings', 'events.yaml'));
      expect(stderr).toContain('inventory.adjusted');
      expect(stderr).toContain('"qty_on_hnd"');
      expect(stderr).toMatch(/no column/);
      expect(stderr).not.toMatch(/^ {4}at /m);
    };
    const bad = await runCli(['replay', '--events', 'events.jsonl', '--json'], { cwd: b.dir });
    expect(bad.code, bad.stdout + bad.stderr).toBe(2);
    checkMessage(bad.stderr);
    const dry = await runCli(['replay', '--events', 'events.jsonl', '--dry-run', '--json'], { cwd: b.dir });
    expect(dry.code, dry.stdout + dry.stderr).toBe(2);
    checkMessage(dry.stderr);
    expect(dry.stderr).toBe(bad.stderr);
    expect(await replayRuns(b.dir)).toEqual([]);
    expect(row(b.target, 'A-100')!.qty_on_hand).toBe('10.000');
  }, 30_000);

  it('a report that cannot be written after the events applied: a warning, the result, exit 1', async () => {
    const { dir, target } = project();
    writeEvents(dir, [adjusted('w1', 'A-100', '2.000', 1)]);
    // reports/ is a file: the run's report folder cannot be made.
    fs.writeFileSync(
      path.join(dir, 'cutover.yaml'),
      fs.readFileSync(path.join(dir, 'cutover.yaml'), 'utf8') + 'reports: blocker/\n',
    );
    fs.writeFileSync(path.join(dir, 'blocker'), '');
    const res = await runCli(['replay', '--events', 'events.jsonl', '--json'], { cwd: dir });
    expect(res.code).toBe(1);
    const out = res.json<{
      runId: string;
      status: string;
      counts: Record<string, number>;
      reports?: unknown;
    }>();
    expect(out).toMatchObject({ status: 'complete', counts: { applied: 1, failed: 0 } });
    expect(out.reports).toBeUndefined();
    expect(res.stderr).toMatch(
      new RegExp(
        `Warning: Replay ${out.runId} is done and recorded in the control store, but its report could not be written`,
      ),
    );
    expect(row(target, 'A-100')?.qty_on_hand).toBe('12.000');
    expect((await showRun(dir, out.runId)).status).toBe('complete');
  }, 30_000);

  it('--resume RUN --dry-run leaves the run as it was', async () => {
    const { dir } = project();
    writeEvents(dir, [adjusted('r1', 'A-100', '1', 1), adjusted('r2', 'A-100', '1', 2)]);
    const first = await runCli(['replay', '--events', 'events.jsonl', '--json'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const runId = first.json<{ runId: string }>().runId;
    const before = await showRun(dir, runId);
    expect(before.status).toBe('complete');
    expect(before.finishedAt).toBeTruthy();

    const dry = await runCli(
      ['replay', '--events', 'events.jsonl', '--resume', runId, '--dry-run', '--json'],
      {
        cwd: dir,
      },
    );
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json<{ runId: string | null; counts: Counts }>()).toMatchObject({
      runId: null,
      counts: { read: 2, applied: 0, alreadyApplied: 2, failed: 0, parked: 0 },
    });
    const after = await showRun(dir, runId);
    expect(after.status).toBe('complete');
    expect(after).toEqual(before);
  }, 30_000);

  it('a resumed run reports the whole run: what it applied before the interruption counts as applied', async () => {
    const { dir, target } = project();
    const TOTAL = 20;
    const events: Ev[] = [];
    const db = new Database(target);
    for (let k = 0; k < TOTAL; k++) {
      db.prepare(`INSERT INTO inventory_balance VALUES (?, 'S1', '0', NULL)`).run(`K-${k}`);
      events.push(adjusted(`i${k}`, `K-${k}`, '1.5', k));
    }
    db.close();
    writeEvents(dir, events);

    // --rate 2: a handful apply in the first second, then a Ctrl-C (SIGINT) once the ledger has some.
    const child = spawn(
      process.execPath,
      [BIN, 'replay', '--events', 'events.jsonl', '--rate', '2', '--concurrency', '1', '--json'],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    const countLedger = (): number => {
      try {
        const c = new Database(target, { readonly: true, fileMustExist: true });
        try {
          return (c.prepare('SELECT count(*) AS n FROM cutover_replay_ledger').get() as { n: number }).n;
        } finally {
          c.close();
        }
      } catch {
        return 0;
      }
    };
    for (let i = 0; i < 400 && countLedger() === 0 && child.exitCode === null; i++)
      await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGINT');
    const code = await exited;
    expect(code, stderr).toBe(130);
    const first = JSON.parse(stdout) as { runId: string; status: string; counts: Counts };
    expect(first.status).toBe('interrupted');
    const runId = first.runId;
    const mid = ledger(target).length;
    expect(mid).toBeGreaterThan(0);
    expect(mid).toBeLessThan(TOTAL);
    expect(first.counts.applied).toBe(mid);
    expect((await showRun(dir, runId)).status).toBe('interrupted');

    const res = await runCli(['replay', '--events', 'events.jsonl', '--resume', runId, '--json'], {
      cwd: dir,
    });
    expect(res.code, res.stderr).toBe(0);
    const out = res.json<{ runId: string; status: string; counts: Counts; reports: { json: string } }>();
    expect(out.runId).toBe(runId);
    expect(out.status).toBe('complete');
    expect(out.counts).toEqual({ read: TOTAL, applied: TOTAL, alreadyApplied: 0, failed: 0, parked: 0 });
    const shown = await showRun(dir, runId);
    expect(shown.status).toBe('complete');
    expect((shown.summary as { counts: Counts }).counts).toEqual(out.counts);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'reports', runId, 'replay.json'), 'utf8'));
    expect(report.counts).toEqual(out.counts);
    expect(report.byType['inventory.adjusted']).toMatchObject({ applied: TOTAL, alreadyApplied: 0 });
    expect(report.byType['inventory.adjusted'].sums.qty_on_hand).toBe('30.0');
    const led = ledger(target);
    expect(led).toHaveLength(TOTAL);
    expect(new Set(led.map((l) => l.run_id))).toEqual(new Set([runId]));
  }, 40_000);

  it('an event of type __proto__ is a replay_failed item, and the run still ends (no prototype pollution)', async () => {
    const { dir, target } = project();
    writeEvents(dir, [
      { id: 'f2', type: '__proto__', key: 'k', occurredAt: at(1), payload: {} },
      adjusted('a1', 'A-100', '-1.000', 2),
    ]);
    const res = await runCli(['replay', '--events', 'events.jsonl', '--json'], { cwd: dir });
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    const out = res.json<{ runId: string; counts: Counts }>();
    expect(out.counts).toEqual({ read: 2, applied: 1, alreadyApplied: 0, failed: 1, parked: 0 });
    expect(row(target, 'A-100')!.qty_on_hand).toBe('9.000');
    expect((await showRun(dir, out.runId)).status).not.toBe('running');
    const list = await runCli(['exceptions', 'list', '--json'], { cwd: dir });
    expect(list.code, list.stderr).toBe(0);
    expect(list.json<{ items: { kind: string }[] }>().items.map((i) => i.kind)).toEqual(['replay_failed']);
  }, 30_000);

  it('a line of null is a replay_failed item, not a crash', async () => {
    const { dir, target } = project();
    writeEvents(dir, ['null', adjusted('a1', 'A-100', '-1.000', 1)]);
    const res = await runCli(['replay', '--events', 'events.jsonl', '--json'], { cwd: dir });
    expect(res.code, res.stderr).toBe(1);
    expect(res.json<{ counts: Counts }>().counts).toEqual({
      read: 2,
      applied: 1,
      alreadyApplied: 0,
      failed: 1,
      parked: 0,
    });
    expect(row(target, 'A-100')!.qty_on_hand).toBe('9.000');
  }, 30_000);

  it('SIGTERM stops a replay as Ctrl-C does: in-flight work commits, the run is interrupted, JSON, exit 143', async () => {
    const { dir, target } = project();
    const TOTAL = 20;
    const events: Ev[] = [];
    const db = new Database(target);
    for (let k = 0; k < TOTAL; k++) {
      db.prepare(`INSERT INTO inventory_balance VALUES (?, 'S1', '0', NULL)`).run(`K-${k}`);
      events.push(adjusted(`i${k}`, `K-${k}`, '1.5', k));
    }
    db.close();
    writeEvents(dir, events);
    const child = spawn(
      process.execPath,
      [BIN, 'replay', '--events', 'events.jsonl', '--rate', '2', '--concurrency', '1', '--json'],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    const countLedger = (): number => {
      try {
        const c = new Database(target, { readonly: true, fileMustExist: true });
        try {
          return (c.prepare('SELECT count(*) AS n FROM cutover_replay_ledger').get() as { n: number }).n;
        } finally {
          c.close();
        }
      } catch {
        return 0;
      }
    };
    for (let i = 0; i < 400 && countLedger() === 0 && child.exitCode === null; i++)
      await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGTERM');
    const code = await exited;
    expect(code, stderr).toBe(143);
    const out = JSON.parse(stdout) as { runId: string; status: string; counts: Counts };
    expect(out.status).toBe('interrupted');
    const mid = ledger(target).length;
    expect(mid).toBeGreaterThan(0);
    expect(mid).toBeLessThan(TOTAL);
    expect(out.counts.applied).toBe(mid);
    expect((await showRun(dir, out.runId)).status).toBe('interrupted');
    expect(fs.existsSync(path.join(dir, 'reports', out.runId, 'replay.json'))).toBe(true);
  }, 40_000);

  describe('an HTTP target with credentials in its URL', () => {
    const seen: (string | undefined)[] = [];
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.method === 'HEAD') return res.end();
        const auth = req.headers.authorization;
        seen.push(auth);
        const token = (auth ?? '').replace(/^Basic\s+/i, '');
        res.statusCode = 422;
        res.setHeader('content-type', 'text/plain');
        // The token alone too: only the registered secret masks it, no Basic/Bearer pattern does.
        res.end(`rejected: you sent Authorization: ${auth} (credentials ${token})`);
      });
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('sends Basic auth from the URL, and the credentials appear in no output, report or exception', async () => {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as AddressInfo).port;
      const dir = makeProject(
        { api: `{ url: "http://alice:pw-S3cret@127.0.0.1:${port}/api" }` },
        `name: events
target: api
events:
  return.authorized:
    request: { method: POST, path: "/returns/{$.payload.rma}", body: $.payload }
`,
      );
      writeEvents(dir, [
        { id: 'h1', type: 'return.authorized', key: 'RMA-1', occurredAt: at(1), payload: { rma: 'RMA-1' } },
      ]);
      const token = Buffer.from('alice:pw-S3cret').toString('base64');
      const secrets = ['pw-S3cret', token, encodeURIComponent(token)];
      const clean = (what: string, text: string) => {
        for (const s of secrets) expect(text, `${what} holds ${s}`).not.toContain(s);
      };

      const res = await runCli(['replay', '--events', 'events.jsonl', '--json'], { cwd: dir });
      expect(seen, res.stderr).toEqual([`Basic ${token}`]);
      expect(res.code, res.stderr).toBe(1);
      const out = res.json<{
        runId: string;
        counts: Counts;
        reports: { json: string; md: string; xlsx?: string };
      }>();
      expect(out.counts).toEqual({ read: 1, applied: 0, alreadyApplied: 0, failed: 1, parked: 0 });
      clean('stdout', res.stdout);
      clean('stderr', res.stderr);

      const reportDir = path.join(dir, 'reports', out.runId);
      const json = fs.readFileSync(path.join(reportDir, 'replay.json'), 'utf8');
      const md = fs.readFileSync(path.join(reportDir, 'replay.md'), 'utf8');
      // The failure (and the server's answer) is in the reports, masked.
      expect(JSON.parse(json).failures[0].error).toMatch(/answered 422: rejected/);
      expect(md).toMatch(/answered 422/);
      clean('replay.json', json);
      clean('replay.md', md);
      if (fs.existsSync(path.join(reportDir, 'replay.xlsx'))) {
        const wb = new ExcelJS.Workbook();
        await wb.xlsx.readFile(path.join(reportDir, 'replay.xlsx'));
        clean('replay.xlsx', JSON.stringify(wb.worksheets.map((w) => w.getSheetValues())));
      }

      // The human output of a second run (the 422 again) is clean too.
      const human = await runCli(['replay', '--events', 'events.jsonl'], { cwd: dir });
      expect(human.code, human.stderr).toBe(1);
      expect(seen).toHaveLength(2);
      expect(human.stdout).toMatch(/answered 422/);
      clean('human stdout', human.stdout);
      clean('human stderr', human.stderr);

      const list = await runCli(['exceptions', 'list', '--json'], { cwd: dir });
      expect(list.code, list.stderr).toBe(0);
      const items = list.json<{ items: { id: string; kind: string }[] }>().items;
      expect(items.map((i) => i.kind)).toEqual(['replay_failed']);
      clean('exceptions list', list.stdout + list.stderr);
      const show = await runCli(['exceptions', 'show', items[0]!.id, '--json'], { cwd: dir });
      expect(show.code, show.stderr).toBe(0);
      expect(show.stdout).toMatch(/answered 422/);
      clean('exceptions show', show.stdout + show.stderr);
      const run = await runCli(['runs', 'show', out.runId, '--json'], { cwd: dir });
      expect(run.code, run.stderr).toBe(0);
      clean('runs show', run.stdout + run.stderr);
    }, 30_000);
  });
});

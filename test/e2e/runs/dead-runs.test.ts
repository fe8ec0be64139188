import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { runCli, BIN } from '../../helpers/cli.js';

// Issue 12 item 12: a reconcile killed with -9 does not stay `running` forever, and its spill
// folder does not stay in the temp folder.

const ROWS = 150_000;

function makeDb(file: string, table: string, shift: number): void {
  const db = new Database(file);
  db.exec(`CREATE TABLE ${table} (sku TEXT PRIMARY KEY, qty TEXT NOT NULL, note TEXT)`);
  const ins = db.prepare(`INSERT INTO ${table} VALUES (?, ?, ?)`);
  db.transaction(() => {
    for (let i = 0; i < ROWS; i++)
      ins.run(
        `SKU-${String(i).padStart(8, '0')}`,
        `${(i * 37) % 1000}.${i % 7 === shift ? 1 : 0}`,
        `note ${i}`,
      );
  })();
  db.close();
}

const MAPPING = `name: stock
key: [sku]
fields:
  sku: { type: string }
  qty: { type: decimal, scale: 1 }
  note: { type: string }
legacy: { connection: legacy, table: l_stock, columns: { sku: sku, qty: qty, note: note } }
cloud: { connection: cloud, table: c_stock, columns: { sku: sku, qty: qty, note: note } }
`;

const spills = (tmp: string) => fs.readdirSync(tmp).filter((n) => n.startsWith('cutover-spill-'));

describe('a reconcile killed with -9', () => {
  let dir: string;
  let tmp: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-dead-'));
    tmp = path.join(dir, 'tmp');
    fs.mkdirSync(tmp);
    fs.mkdirSync(path.join(dir, 'mappings'));
    makeDb(path.join(dir, 'legacy.db'), 'l_stock', 0);
    makeDb(path.join(dir, 'cloud.db'), 'c_stock', 3);
    fs.writeFileSync(
      path.join(dir, 'cutover.yaml'),
      `connections:\n  legacy: { url: "sqlite:./legacy.db", readOnly: true }\n  cloud: { url: "sqlite:./cloud.db", readOnly: true }\ncontrol: { url: "sqlite:./control.db" }\n`,
    );
    fs.writeFileSync(path.join(dir, 'mappings', 'stock.yaml'), MAPPING);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is marked interrupted by the next command, and the next reconcile removes its spill folder', async () => {
    // CUTOVER_FORCE_SPILL: these 150k rows spill as a big table does past its budget.
    const env = { ...process.env, TMPDIR: tmp, NO_COLOR: '1', CUTOVER_FORCE_SPILL: '1' };
    const child = spawn(process.execPath, [BIN, 'reconcile', 'stock', '--json'], {
      cwd: dir,
      env,
      stdio: 'ignore',
    });
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    // Kill it once it has spilled: mid-run, its folder in the temp folder.
    let seen: string[] = [];
    for (let i = 0; i < 2400 && child.exitCode === null; i++) {
      seen = spills(tmp);
      if (seen.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(seen, 'the reconcile spilled before it was killed').toHaveLength(1);
    expect(seen[0]).toMatch(new RegExp(`^cutover-spill-${child.pid}-`));
    child.kill('SIGKILL');
    await exited;
    expect(spills(tmp)).toEqual(seen); // nothing could clean up after a kill -9

    const list = await runCli(['runs', 'list', '--json'], { cwd: dir, env });
    expect(list.code, list.stderr).toBe(0);
    const runs = list.json<{ items: { id: string; status: string; command: string }[] }>().items;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ command: 'reconcile', status: 'interrupted' });

    // The next reconcile (spilling too) removes the dead one's folder and its own.
    const next = await runCli(['reconcile', 'stock', '--json'], {
      cwd: dir,
      env,
      timeoutMs: 600_000,
    });
    expect(next.code, next.stderr).toBe(1);
    expect(spills(tmp)).toEqual([]);
    const after = (await runCli(['runs', 'list', '--json'], { cwd: dir, env })).json<{
      items: { status: string }[];
    }>().items;
    expect(after.map((r) => r.status).sort()).toEqual(['differences', 'interrupted']);
  }, 900_000);

  it('a reconcile stopped with SIGTERM removes its own spill folder', async () => {
    // CUTOVER_FORCE_SPILL: these 150k rows spill as a big table does past its budget.
    const env = { ...process.env, TMPDIR: tmp, NO_COLOR: '1', CUTOVER_FORCE_SPILL: '1' };
    const child = spawn(process.execPath, [BIN, 'reconcile', 'stock', '--json'], {
      cwd: dir,
      env,
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, sig) => r(sig)));
    let seen: string[] = [];
    for (let i = 0; i < 2400 && child.exitCode === null; i++) {
      seen = spills(tmp);
      if (seen.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(seen).toEqual([expect.stringMatching(new RegExp(`^cutover-spill-${child.pid}-`))]);
    child.kill('SIGTERM');
    expect(await exited).toBe('SIGTERM');
    expect(spills(tmp)).toEqual([]);
  }, 900_000);
});

describe('a reconcile stopped with a signal', () => {
  let dir: string;
  let tmp: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-stopped-'));
    tmp = path.join(dir, 'tmp');
    fs.mkdirSync(tmp);
    fs.mkdirSync(path.join(dir, 'mappings'));
    makeDb(path.join(dir, 'legacy.db'), 'l_stock', 0);
    makeDb(path.join(dir, 'cloud.db'), 'c_stock', 3);
    fs.writeFileSync(
      path.join(dir, 'cutover.yaml'),
      `connections:\n  legacy: { url: "sqlite:./legacy.db", readOnly: true }\n  cloud: { url: "sqlite:./cloud.db", readOnly: true }\ncontrol: { url: "sqlite:./control.db" }\n`,
    );
    fs.writeFileSync(path.join(dir, 'mappings', 'stock.yaml'), MAPPING);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'stopped with %s mid-run, it leaves no temp file and no empty run folder in reports/',
    async (signal) => {
      const env = { ...process.env, TMPDIR: tmp, NO_COLOR: '1', CUTOVER_FORCE_SPILL: '1' };
      const reports = path.join(dir, 'reports');
      const before = new Set(fs.existsSync(reports) ? fs.readdirSync(reports) : []);
      const child = spawn(process.execPath, [BIN, 'reconcile', 'stock', '--json'], {
        cwd: dir,
        env,
        stdio: 'ignore',
      });
      const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, sig) => r(sig)));
      // Stop it while its differences.jsonl is still being written under its temp name.
      const temps = () =>
        (fs.existsSync(reports) ? fs.readdirSync(reports) : [])
          .filter((run) => !before.has(run))
          .flatMap((run) => fs.readdirSync(path.join(reports, run)).map((f) => path.join(run, f)))
          .filter((f) => f.endsWith('.tmp'));
      let seen: string[] = [];
      for (let i = 0; i < 2400 && child.exitCode === null; i++) {
        seen = temps();
        if (seen.length) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(seen, 'the run was writing its differences when stopped').toHaveLength(1);
      child.kill(signal);
      expect(await exited).toBe(signal);
      expect(temps()).toEqual([]);
      const runFolders = fs.readdirSync(reports).filter((run) => !before.has(run));
      for (const run of runFolders) expect(fs.readdirSync(path.join(reports, run))).not.toEqual([]);
      expect(spills(tmp)).toEqual([]);
    },
    300_000,
  );
});

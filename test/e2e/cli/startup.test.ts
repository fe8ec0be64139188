// Start-up (issue 13 §7): listing runs or exceptions on a SQLite store loads no driver but SQLite's,
// no exceljs and no pino-pretty; a report or export loads exceljs only for a workbook; logs are
// pretty only on a terminal and without colour under NO_COLOR. pg loads without Node's fetch
// (undici) on Node 20 and leaves no navigator behind (the main thread's modules are checked; the
// reader threads load pg through the same module). The binary runs the build whatever NODE_ENV says.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../../helpers/cli.js';
import { createTestDatabase } from '../../helpers/pg.js';

const TRACE = path.join(ROOT, 'test', 'helpers', 'trace-packages.mjs');
let dir: string;
let runId: string;

/** The npm packages `cutover args` loads. */
async function packagesLoaded(
  args: string[],
  exitCode = 0,
  env: NodeJS.ProcessEnv = {},
): Promise<Set<string>> {
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TRACE, BIN, ...args], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
  expect(r.code, r.stderr.replace(/^PKG .*\n/gm, '')).toBe(exitCode);
  return new Set([...r.stderr.matchAll(/^PKG (.+)$/gm)].map((m) => m[1]!));
}

const DRIVERS = ['pg', 'tedious', '@azure/identity', 'csv-parse', 'p-queue'];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-startup-'));
  fs.cpSync(path.join(ROOT, 'examples', 'quickstart'), dir, {
    recursive: true,
    filter: (src) => !/[\\/](\.cutover|reports)$/.test(src),
  });
  const r = await runCli(['reconcile', 'inventory', '--report', 'json', '--json'], { cwd: dir });
  expect(r.code).toBe(1);
  runId = r.json<{ runId: string }>().runId;
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('what start-up loads', () => {
  it.each([[['runs', 'list']], [['exceptions', 'list']], [['runs', 'show', 'RUN']]])(
    '%j loads the control store (knex, better-sqlite3) and no other driver, exceljs or pino-pretty',
    async (args) => {
      const loaded = await packagesLoaded(args.map((a) => (a === 'RUN' ? runId : a)));
      expect(loaded.has('knex')).toBe(true); // the trace sees what is loaded
      expect(loaded.has('better-sqlite3')).toBe(true);
      // pino too: a command that logs nothing does not load it (util/logger.ts, lazyLogger).
      for (const p of [...DRIVERS, 'exceljs', 'pino', 'pino-pretty']) expect(loaded.has(p), p).toBe(false);
    },
  );

  it('a reconcile of SQLite sources loads no CSV parser, SQL Server driver or exceljs', async () => {
    const loaded = await packagesLoaded(['reconcile', 'inventory', '--report', 'json', '--json'], 1);
    expect(loaded.has('better-sqlite3')).toBe(true); // the trace sees what is loaded
    // pg is still loaded: the adapter registry imports the PostgreSQL adapter, which imports pg.
    for (const p of ['csv-parse', 'tedious', '@azure/identity', 'exceljs'])
      expect(loaded.has(p), p).toBe(false);
  });

  it("loads pg without Node's fetch (undici), and leaves no navigator behind", async () => {
    const loaded = await packagesLoaded(['reconcile', 'inventory', '--report', 'json', '--json'], 1);
    expect(loaded.has('pg')).toBe(true);
    // pg's Cloudflare check builds a Response where there is no navigator (Node 20): undici, ~27 ms.
    expect(loaded.has('node:undici')).toBe(false);
    // The navigator pg is shown for its load is gone again: the global is as Node defines it.
    const plain = spawnSync(process.execPath, ['-p', 'typeof navigator'], { encoding: 'utf8' }).stdout.trim();
    expect(loaded.has(`navigator:${plain}`), [...loaded].join(' ')).toBe(true);
  });

  it('a PostgreSQL control store loads pg without undici too (before knex creates its pg client)', async () => {
    const db = await createTestDatabase('cutover_startup');
    const config = path.join(dir, 'cutover-pg-store.yaml');
    try {
      fs.writeFileSync(
        config,
        fs
          .readFileSync(path.join(dir, 'cutover.yaml'), 'utf8')
          .replace(/^control: .*$/m, `control: { url: "${db.url}" }`),
      );
      const loaded = await packagesLoaded(['runs', 'list', '--config', config]);
      expect(loaded.has('pg')).toBe(true);
      expect(loaded.has('node:undici')).toBe(false);
    } finally {
      fs.rmSync(config, { force: true });
      await db.drop();
    }
  });

  it.each(['development', 'test'])(
    'runs the built commands under NODE_ENV=%s: no TypeScript, no tsx',
    async (nodeEnv) => {
      const loaded = await packagesLoaded(['runs', 'list'], 0, { NODE_ENV: nodeEnv });
      expect(loaded.has('knex')).toBe(true); // the trace sees what is loaded
      for (const p of ['typescript', 'tsx', 'esbuild']) expect(loaded.has(p), p).toBe(false);
    },
  );

  it('--version loads neither the store nor a driver', async () => {
    const loaded = await packagesLoaded(['--version']);
    for (const p of [...DRIVERS, 'knex', 'better-sqlite3', 'exceljs', 'pino', 'pino-pretty'])
      expect(loaded.has(p), p).toBe(false);
  });

  it('a Markdown report or a CSV export loads no exceljs; a workbook does', async () => {
    expect(
      (await packagesLoaded(['report', runId, '--format', 'md', '--out', 'run.md'])).has('exceljs'),
    ).toBe(false);
    expect((await packagesLoaded(['exceptions', 'export', '--out', 'q.csv'])).has('exceljs')).toBe(false);
    expect((await packagesLoaded(['report', runId, '--format', 'xlsx'])).has('exceljs')).toBe(true);
    expect((await packagesLoaded(['exceptions', 'export', '--out', 'q.xlsx'])).has('exceljs')).toBe(true);
  });
});

describe('logs on a terminal', () => {
  /** Runs cutover under `script`, which gives it a terminal; returns what the terminal showed. */
  function onTerminal(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
    const command = [process.execPath, BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    return new Promise((resolve, reject) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], {
        cwd: dir,
        env: { ...process.env, TERM: 'xterm', ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('error', reject);
      child.on('close', () => resolve(out));
      child.stdin.end();
    });
  }

  // A report of a run whose mapping file is gone logs a warning.
  beforeAll(() =>
    fs.renameSync(path.join(dir, 'mappings', 'inventory.yaml'), path.join(dir, 'inventory.yaml.off')),
  );
  afterAll(() =>
    fs.renameSync(path.join(dir, 'inventory.yaml.off'), path.join(dir, 'mappings', 'inventory.yaml')),
  );

  it('are pretty and coloured on a terminal, and plain under NO_COLOR', async () => {
    const args = ['report', runId, '--format', 'md', '--out', 'warn.md'];
    const env = { NO_COLOR: '', FORCE_COLOR: '' };
    const coloured = await onTerminal(args, env);
    expect(coloured).toMatch(/WARN/);
    expect(coloured).toMatch(/could not be loaded/);
    expect(coloured).toContain('\u001b[');
    const plain = await onTerminal(args, { NO_COLOR: '1' });
    expect(plain).toMatch(/WARN.*could not be loaded/);
    expect(plain).not.toContain('\u001b[');
  });

  it('are JSON lines off a terminal', async () => {
    const r = await runCli(['report', runId, '--format', 'md', '--out', 'warn.md'], { cwd: dir });
    expect(r.code).toBe(0);
    const line = r.stderr.split('\n').find((l) => l.includes('could not be loaded'))!;
    expect(JSON.parse(line)).toMatchObject({ level: 40 });
  });
});

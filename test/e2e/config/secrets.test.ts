import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import ExcelJS from 'exceljs';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli, type CliResult } from '../../helpers/cli.js';
import { createTestDatabase } from '../../helpers/pg.js';
import { startPasswordRefusingServer } from './fake-pg-server.js';
import { expectBadInput, itemsMapping, makeProject, sqliteDb } from './project.js';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

// Issue 12 items 1-3: passwords holding URL metacharacters, through the built binary. No piece of 4+
// characters of a secret may reach stdout, stderr, --json, the log file, a report or the control store.

/**
 * Every 4-character piece of a secret, as written and percent-encoded, and its parts between URL
 * delimiters lower-cased (a driver lower-cases what it takes for a host name).
 */
function fragments(secret: string): string[] {
  const out = new Set<string>();
  for (const s of [secret, encodeURIComponent(secret)])
    for (let i = 0; i + 4 <= s.length; i++) out.add(s.slice(i, i + 4));
  for (const part of secret.split(/[@#/?:]/)) if (part.length >= 4) out.add(part.toLowerCase());
  return [...out];
}

function expectNoFragment(text: string, secret: string, where: string): void {
  for (const f of fragments(secret)) expect(text.includes(f), `${where} holds "${f}": ${text}`).toBe(false);
}

/** A loopback port where nothing listens. */
async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Every file under a folder as text (workbooks: every cell), for the fragment scan. */
async function folderText(dir: string): Promise<string> {
  let text = '';
  if (!fs.existsSync(dir)) return text;
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (file.endsWith('.xlsx')) {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(file);
      wb.eachSheet((ws) => ws.eachRow((row) => row.eachCell((c) => (text += `${String(c.text)}\n`))));
    } else text += fs.readFileSync(file, 'latin1');
  }
  return text;
}

const MAPPING = itemsMapping();

let project: ReturnType<typeof makeProject> | undefined;
afterEach(() => project?.cleanup());

/** A project whose cloud connection is `cloudUrl`; legacy is a SQLite file with one row. */
function projectWith(cloudUrl: string, control = 'sqlite:.cutover/control.db') {
  project = makeProject({
    'cutover.yaml': `connections:\n  legacy: { url: "sqlite:legacy.db", readOnly: true }\n  cloud: { url: "${cloudUrl}" }\ncontrol: { url: "${control}" }\n`,
    'mappings/items.yaml': MAPPING,
  });
  sqliteDb(
    path.join(project.dir, 'legacy.db'),
    "CREATE TABLE items (sku TEXT, qty NUMERIC); INSERT INTO items VALUES ('A', 1.5);",
  );
  return project.dir;
}

/** Runs a command three ways (human, --json, --log-file with --debug) and checks every output for the secret. */
async function runEveryWay(dir: string, args: string[], env: NodeJS.ProcessEnv, secret: string) {
  const results: CliResult[] = [];
  for (const extra of [[], ['--json'], ['--log-file', 'run.log', '--debug']]) {
    const r = await runCli([...args, ...extra], { cwd: dir, env });
    expectNoFragment(r.stdout, secret, `${args.join(' ')} ${extra.join(' ')} stdout`);
    expectNoFragment(r.stderr, secret, `${args.join(' ')} ${extra.join(' ')} stderr`);
    results.push(r);
  }
  expectNoFragment(fs.readFileSync(path.join(dir, 'run.log'), 'utf8'), secret, 'the log file');
  expectNoFragment(await folderText(path.join(dir, 'reports')), secret, 'the reports');
  expectNoFragment(await folderText(path.join(dir, '.cutover')), secret, 'the control store');
  return results;
}

describe('a password with URL metacharacters, unencoded', () => {
  it.each([
    ['Kx#7@Lm/Qw9Zt', 'DB_PW'],
    ['Jk?R@Zq/PlmX8', 'DB_PW'],
    ['Wm@TrLongSecret/Kv', 'DB_PW'],
    ['Hx#9Qz', 'DB_PW'],
    // An "@" before the "?" or "#": the user info still runs to the last "@" (the refusal, no host
    // "ss" or "2024" looked up).
    ['P@ss?w0rd!', 'DB_PW'],
    ['Adm1n@2024#', 'DB_PW'],
    ['S3cr@t:p%ss/w?rd#Zq', 'DB_PW'],
    // A variable whose name does not look secret: its place in the URL makes it one.
    ['Wm@TrLongSecret/Kv', 'X'],
  ])('postgres %s from ${%s} is refused (exit 2, how to encode it, no piece of it)', async (pw, name) => {
    const port = await unusedPort();
    const dir = projectWith(`postgres://svc:\${${name}}@127.0.0.1:${port}/erp`);
    const env = { [name]: pw };
    for (const args of [['reconcile', 'items']]) {
      const [human, json] = await runEveryWay(dir, args, env, pw);
      const p = expectBadInput(
        human!,
        'connections.cloud.url',
        `environment variable ${name}`,
        '@ as %40',
        '# as %23',
        '/ as %2F',
        '? as %3F',
      );
      expect(p).not.toMatch(/cannot be resolved|not a valid postgres/);
      expect(json!.json()).toMatchObject({ status: 'error', exitCode: 2 });
    }
  });

  it('control.url with Ctl#Pw@Zz/Secret99 is refused the same way', async () => {
    const port = await unusedPort();
    const secret = 'Ctl#Pw@Zz/Secret99';
    const dir = projectWith('sqlite:cloud.db', `postgres://ctl:\${CTL_PASSWORD}@127.0.0.1:${port}/control`);
    for (const args of [['runs', 'list']]) {
      const [human] = await runEveryWay(dir, args, { CTL_PASSWORD: secret }, secret);
      expectBadInput(human!, 'control.url', 'CTL_PASSWORD', '# as %23');
    }
  });

  it('SQL Server: Ms@HostPart77/x is refused; encoded, the driver gets it and no error shows a piece', async () => {
    const port = await unusedPort();
    const secret = 'Ms@HostPart77/x';
    const dir = projectWith(`mssql://sa:\${MS_SECRET}@127.0.0.1:${port}/erp?connectTimeout=3000`);
    const [human] = await runEveryWay(dir, ['reconcile', 'items'], { MS_SECRET: secret }, secret);
    expectBadInput(human!, 'connections.cloud.url', 'MS_SECRET', '@ as %40');
    expect(human!.stderr).not.toMatch(/HostPart|hostpart|ENOTFOUND/);
    // Encoded, the URL is valid: the failure is the unused port, and still no piece of the password.
    const encoded = encodeURIComponent(secret);
    const results = await runEveryWay(dir, ['reconcile', 'items'], { MS_SECRET: encoded }, secret);
    const p = expectBadInput(results[0]!, 'Connection "cloud"', `127.0.0.1:${port}`);
    expect(p).toContain('mssql://sa:***@127.0.0.1');
    for (const r of results) expectNoFragment(r.stdout + r.stderr, encoded, 'output');
  });
});

describe('a valid password-bearing URL reaches the driver exactly', () => {
  let server: Awaited<ReturnType<typeof startPasswordRefusingServer>> | undefined;
  afterEach(() => server?.close());

  it.each(['Kx#7@Lm/Qw9Zt', 'Jk?R@Zq/PlmX8'])(
    'percent-encoded %s: the server gets the real password, echoes it, and nothing shows it',
    async (secret) => {
      server = await startPasswordRefusingServer({ echo: true });
      const dir = projectWith(`postgres://svc:\${DB_PW}@127.0.0.1:${server.port}/erp`);
      const env = { DB_PW: encodeURIComponent(secret) };
      const [human] = await runEveryWay(dir, ['reconcile', 'items'], env, secret);
      expectBadInput(human!, 'authentication failed', `postgres://svc:***@127.0.0.1:${server.port}/erp`);
      expect(server.passwordsSeen).toContain(secret);
    },
  );

  it('an unencoded "@" and ":" are read with the user info ending at the last "@"', async () => {
    server = await startPasswordRefusingServer({ echo: true });
    const secret = 'Kx:7@Lm@Qw9Zt';
    const dir = projectWith(`postgres://svc:\${DB_PW}@127.0.0.1:${server.port}/erp`);
    const [human] = await runEveryWay(dir, ['config', 'check', '--connect'], { DB_PW: secret }, secret);
    expectBadInput(human!, 'authentication failed');
    expect(server.passwordsSeen).toContain(secret);
  });
});

describe('against the real PostgreSQL server', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let role: string;
  beforeAll(async () => {
    db = await createTestDatabase('cutover_sec');
    role = `svc_${db.name.slice(-10)}`;
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query(`CREATE ROLE ${role} LOGIN PASSWORD 'Hx#9Qz'`);
    await c.query('CREATE TABLE items (sku text, qty numeric(12,2))');
    await c.query(`INSERT INTO items VALUES ('A', 2.5)`);
    await c.query(`GRANT SELECT ON items TO ${role}`);
    await c.end();
  });
  afterAll(async () => {
    await db.drop();
    const c = new pg.Client({ connectionString: db.url.replace(/\/[^/]+$/, '/postgres') });
    await c.connect();
    await c.query(`DROP ROLE IF EXISTS ${role}`);
    await c.end();
  });

  it('Hx#9Qz unencoded is refused with the fix; encoded it connects, and reports and store hold no piece', async () => {
    const u = new URL(db.url);
    const url = `postgres://${role}:\${PGPW}@${u.host}${u.pathname}`;
    const dir = projectWith(url);
    const refused = await runCli(['reconcile', 'items'], { cwd: dir, env: { PGPW: 'Hx#9Qz' } });
    expectBadInput(refused, '# as %23', 'PGPW');
    expectNoFragment(refused.stdout + refused.stderr, 'Hx#9Qz', 'output');
    const results = await runEveryWay(dir, ['reconcile', 'items'], { PGPW: 'Hx%239Qz' }, 'Hx#9Qz');
    for (const r of results) expect(r.code, r.stderr).toBe(1); // one difference: 1.50 vs 2.50
    const summary = results[1]!.json<{ systems: { cloud: { url: string } } }>();
    expect(summary.systems.cloud.url).toBe(`postgres://${role}:***@${u.host}${u.pathname}`);
    expectNoFragment(await folderText(path.join(dir, 'reports')), 'Hx%239Qz', 'reports');
  });
});

import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { createTestDatabase } from '../../helpers/pg.js';
import { startPasswordRefusingServer } from './fake-pg-server.js';

// Each test runs the binary several times; a loaded CI machine needs more than the default minute.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });
import {
  expectBadInput,
  expectStack,
  INVENTORY_SQL,
  inventoryMapping,
  makeProject,
  sqliteDb,
} from './project.js';

// Every "Bad input" of the foundation issue, through the built binary: exit 2, one paragraph that
// says what to fix, no stack trace unless --debug, and no secret anywhere in the output.

const SQLITE_CONFIG =
  'connections:\n  legacy: { url: "sqlite:legacy.db", readOnly: true }\n  cloud: { url: "sqlite:cloud.db" }\n';

let project: ReturnType<typeof makeProject>;
afterEach(() => project?.cleanup());

/** A project with the two inventory SQLite databases, the config, and the given mapping. */
function sqliteProject(mapping = inventoryMapping(), config = SQLITE_CONFIG) {
  project = makeProject({ 'cutover.yaml': config, 'mappings/inventory.yaml': mapping });
  sqliteDb(path.join(project.dir, 'legacy.db'), INVENTORY_SQL.legacy);
  sqliteDb(path.join(project.dir, 'cloud.db'), INVENTORY_SQL.cloud);
  return project.dir;
}

describe('bad configuration', () => {
  it('a missing config file', async () => {
    project = makeProject();
    const r = await runCli(['config', 'check'], { cwd: project.dir });
    expectBadInput(
      r,
      `Error: No configuration file at ${path.join(project.dir, 'cutover.yaml')}.`,
      '--config',
    );
    expect(r.stdout).toBe('');
    expectStack(await runCli(['config', 'check', '--debug'], { cwd: project.dir }));
  });

  it('a control store in the database of a readOnly connection, before anything is written', async () => {
    const dir = sqliteProject(inventoryMapping(), `${SQLITE_CONFIG}control: { url: "sqlite:./legacy.db" }\n`);
    const before = fs.readFileSync(path.join(dir, 'legacy.db'));
    const r = await runCli(['reconcile', 'inventory', '--json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.json()).toMatchObject({ status: 'error', exitCode: 2 });
    expect(r.stderr).toContain(
      'control.url names the same database as connections.legacy, which is readOnly',
    );
    expect(r.stderr).not.toMatch(/^\s+at /m);
    // The legacy file is as it was: no store's tables created in it.
    expect(fs.readFileSync(path.join(dir, 'legacy.db')).equals(before)).toBe(true);
    expectBadInput(
      await runCli(['config', 'check'], { cwd: dir }),
      'which is readOnly',
      'database of its own',
    );
  });

  it('a missing file named with --config', async () => {
    project = makeProject();
    const r = await runCli(['config', 'check', '--config', 'prod.yaml'], { cwd: project.dir });
    expectBadInput(
      r,
      `No configuration file at ${path.join(project.dir, 'prod.yaml')}.`,
      'Check the path given to --config.',
    );
  });

  it('a --log-file that cannot be opened, before any work', async () => {
    const dir = sqliteProject();
    const r = await runCli(['reconcile', 'inventory', '--log-file', 'no-such-folder/run.log'], { cwd: dir });
    expectBadInput(
      r,
      '--log-file no-such-folder/run.log cannot be opened for writing (ENOENT',
      'leave --log-file out',
    );
    // Refused before the run: no control store (the default one is .cutover/control.db), no reports.
    expect(fs.existsSync(path.join(dir, '.cutover'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'reports'))).toBe(false);
    // Without the bad flag the same command does create them: the checks above can fail.
    expect((await runCli(['reconcile', 'inventory'], { cwd: dir })).code).toBeLessThan(2);
    expect(fs.existsSync(path.join(dir, '.cutover', 'control.db'))).toBe(true);
    expectStack(
      await runCli(['runs', 'list', '--log-file', 'no-such-folder/run.log', '--debug'], { cwd: dir }),
    );
  });

  it('a YAML syntax error, with its line', async () => {
    project = makeProject({
      'cutover.yaml':
        'connections:\n  legacy: { url: "sqlite:legacy.db"\n  cloud: { url: "sqlite:cloud.db" }\n',
    });
    const r = await runCli(['config', 'check'], { cwd: project.dir });
    expectBadInput(r, /cutover\.yaml line 3, column \d+ is not valid YAML: /);
    expectStack(await runCli(['config', 'check', '--debug'], { cwd: project.dir }));
  });

  it('a cutover.yaml or a mapping file that is not UTF-8, with its line and column', async () => {
    // "é" saved as Windows-1252 (0xE9): it was read as U+FFFD, a path then "leg\uFFFDacy.db".
    const latin = (text: string) => Buffer.from(text.replace('é', '\u00e9'), 'latin1');
    const dir = sqliteProject();
    const config = path.join(dir, 'cutover.yaml');
    fs.writeFileSync(config, latin(SQLITE_CONFIG.replace('sqlite:legacy.db', 'sqlite:legéacy.db')));
    const r = await runCli(['config', 'check'], { cwd: dir });
    expectBadInput(
      r,
      `${config} line 2, column 29 holds a byte that is not valid UTF-8 (0xE9)`,
      'Save the file as UTF-8',
    );
    expect(r.stderr).not.toContain('\uFFFD');
    expectStack(await runCli(['config', 'check', '--debug'], { cwd: dir }));

    // The same file as UTF-8 with a BOM is read (the path is a file that does not exist yet).
    fs.writeFileSync(config, '\uFEFF' + SQLITE_CONFIG);
    expect((await runCli(['config', 'check'], { cwd: dir })).code).toBe(0);

    const mapping = path.join(dir, 'mappings', 'inventory.yaml');
    fs.writeFileSync(
      mapping,
      latin(inventoryMapping().replace('name: inventory', '# Bestand (é)\nname: inventory')),
    );
    for (const args of [
      ['config', 'check'],
      ['reconcile', 'inventory'],
    ])
      expectBadInput(
        await runCli(args, { cwd: dir }),
        `${mapping} line 1, column 12 holds a byte that is not valid UTF-8 (0xE9)`,
      );
  });

  it('an unknown key, with a suggestion', async () => {
    project = makeProject({
      'cutover.yaml': 'connections:\n  legacy: { url: "sqlite:legacy.db", readonly: true }\n',
    });
    const r = await runCli(['config', 'check'], { cwd: project.dir });
    expectBadInput(
      r,
      'cutover.yaml line 2: unknown key "readonly" in connections.legacy. Did you mean `readOnly`?',
    );
  });

  it('an unknown key in a mapping field, with a suggestion', async () => {
    const dir = sqliteProject(
      inventoryMapping().replace(
        '{ type: decimal, scale: 3 }',
        '{ type: decimal, scale: 3, tolerence: "0.001" }',
      ),
    );
    const r = await runCli(['config', 'check'], { cwd: dir });
    expectBadInput(
      r,
      'inventory.yaml line 7: unknown key "tolerence" in fields.on_hand. Did you mean `tolerance`?',
    );
  });

  it('a ${VAR} that is not set, named', async () => {
    project = makeProject({ 'cutover.yaml': 'connections:\n  cloud: { url: "${CUTOVER_E2E_UNSET_URL}" }\n' });
    const env = { CUTOVER_E2E_UNSET_URL: '' };
    const r = await runCli(['config', 'check'], { cwd: project.dir, env });
    expectBadInput(
      r,
      'uses the environment variable CUTOVER_E2E_UNSET_URL, which is not set',
      'export CUTOVER_E2E_UNSET_URL=',
    );
    expectStack(await runCli(['config', 'check', '--debug'], { cwd: project.dir, env }));
  });

  it('an unknown URL scheme, without the password', async () => {
    project = makeProject({
      'cutover.yaml': 'connections:\n  legacy: { url: "oracle://svc:Tiger-Scott-9@erp/ORCL" }\n',
    });
    const r = await runCli(['config', 'check'], { cwd: project.dir });
    expectBadInput(
      r,
      'Connection "legacy" has the URL oracle://svc:***@erp/ORCL, whose scheme "oracle:" is not supported.',
      'postgres:',
    );
    expect(r.stdout + r.stderr).not.toContain('Tiger-Scott-9');
  });
});

describe('bad connections', () => {
  it('an unreachable host', async () => {
    project = makeProject({
      'cutover.yaml': 'connections:\n  cloud: { url: "postgres://postgres@127.0.0.1:1/x" }\n',
    });
    const r = await runCli(['config', 'check', '--connect'], { cwd: project.dir });
    expectBadInput(r, 'Connection "cloud"', '127.0.0.1:1');
    expect(r.stdout).toContain('connection cloud postgres://postgres@127.0.0.1:1/x: FAILED');
    expectStack(await runCli(['config', 'check', '--connect', '--debug'], { cwd: project.dir }));
  });

  it('reports every connection before failing, and keeps the --json shape', async () => {
    project = makeProject({
      'cutover.yaml':
        'connections:\n  bad: { url: "postgres://postgres@127.0.0.1:1/x" }\n  good: { url: "sqlite:ok.db" }\n',
    });
    sqliteDb(path.join(project.dir, 'ok.db'), 'CREATE TABLE t (a INTEGER);');
    const r = await runCli(['config', 'check', '--connect', '--json'], { cwd: project.dir });
    expectBadInput(r, 'Connection "bad"');
    const out = r.json<{
      ok: boolean;
      connections: { name: string; error?: string; serverVersion?: string }[];
    }>();
    expect(out.ok).toBe(false);
    expect(out.connections.map((c) => c.name)).toEqual(['bad', 'good']);
    expect(out.connections[0]!.error).toMatch(/refused|unreachable/);
    expect(out.connections[1]!.serverVersion).toMatch(/^SQLite 3\./);
  });

  describe('a wrong password', () => {
    let server: Awaited<ReturnType<typeof startPasswordRefusingServer>>;
    afterEach(() => server?.close());

    it.each([
      ['as PostgreSQL words it', false],
      ['when the server quotes the password back', true],
    ])('never prints the password, %s', async (_what, echo) => {
      server = await startPasswordRefusingServer({ echo });
      const password = 'Wr0ng-Pa55word!';
      project = makeProject({
        'cutover.yaml': `connections:\n  cloud: { url: "postgres://svc:\${CLOUD_PW}@127.0.0.1:${server.port}/erp" }\n`,
      });
      const env = { CLOUD_PW: password };
      for (const args of [['--connect'], ['--connect', '--json'], ['--connect', '--debug']]) {
        const r = await runCli(['config', 'check', ...args], { cwd: project.dir, env });
        if (args.includes('--debug')) expectStack(r);
        else
          expectBadInput(
            r,
            'Connection "cloud"',
            'authentication failed',
            `postgres://svc:***@127.0.0.1:${server.port}/erp`,
          );
        expect(r.stdout + r.stderr).not.toContain(password);
        expect(r.stdout + r.stderr).not.toContain(encodeURIComponent(password));
      }
      // The log file gets the driver's error object at debug level: cleaned too.
      const r = await runCli(['config', 'check', '--connect', '--log-file', 'run.log'], {
        cwd: project.dir,
        env,
      });
      expectBadInput(r, 'authentication failed');
      const log = fs.readFileSync(path.join(project.dir, 'run.log'), 'utf8');
      expect(log).toContain('connection cloud failed');
      expect(log).toContain('password authentication failed');
      expect(log).not.toContain(password);
      expect(server.passwordsSeen).toContain(password); // the driver really sent it
    });
  });
});

describe('tables and columns that do not exist', () => {
  it('a table missing on SQLite names it and the connection', async () => {
    const dir = sqliteProject(inventoryMapping({ cloudTable: 'inventory_balances' }));
    const r = await runCli(['config', 'check', '--connect'], { cwd: dir });
    expectBadInput(r, 'Connection "cloud"', 'inventory_balances');
    expect(r.stdout).toContain('inventory cloud cloud:inventory_balances (3 columns): FAILED');
    expectStack(await runCli(['config', 'check', '--connect', '--debug'], { cwd: dir }));
  });

  it('a column missing on SQLite names it and the connection', async () => {
    const dir = sqliteProject(
      inventoryMapping({
        legacyColumns: '{ sku: ITEMID, location: INVENTLOCATION, on_hand: PHYSICALINVENT }',
      }),
    );
    const r = await runCli(['config', 'check', '--connect', '--json'], { cwd: dir });
    expectBadInput(r, 'Connection "legacy"', 'INVENTLOCATION');
    const out = r.json<{ tables: { side: string; ok: boolean }[] }>();
    expect(out.tables.map((t) => [t.side, t.ok])).toEqual([
      ['legacy', false],
      ['cloud', true],
    ]);
  });

  describe('on PostgreSQL', () => {
    let db: Awaited<ReturnType<typeof createTestDatabase>>;
    beforeAll(async () => {
      db = await createTestDatabase();
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      await c.query(
        'CREATE TABLE inventory_balance (sku text, location_code text, qty_on_hand numeric(18,3))',
      );
      await c.end();
    });
    afterAll(() => db?.drop());

    it.each([
      ['table', { cloudTable: 'inventory_balanse' }, 'inventory_balanse'],
      ['column', { cloudColumns: '{ sku: sku, location: location, on_hand: qty_on_hand }' }, 'location'],
    ])('a %s missing names it and the connection', async (_what, over, name) => {
      const dir = sqliteProject(
        inventoryMapping(over),
        `connections:\n  legacy: { url: "sqlite:legacy.db" }\n  cloud: { url: "${db.url}" }\n`,
      );
      const r = await runCli(['config', 'check', '--connect'], { cwd: dir });
      expectBadInput(r, 'Connection "cloud"', name);
    });
  });

  it('a CSV file or column missing names it and the connection', async () => {
    const dir = sqliteProject(
      inventoryMapping({ cloudTable: 'balances' }),
      'connections:\n  legacy: { url: "sqlite:legacy.db" }\n  cloud: { url: "csv:./extracts" }\n',
    );
    fs.mkdirSync(path.join(dir, 'extracts'));
    fs.writeFileSync(path.join(dir, 'extracts', 'other.csv'), 'a,b\n1,2\n');
    let r = await runCli(['config', 'check', '--connect'], { cwd: dir });
    expectBadInput(r, 'Connection "cloud"', 'balances');
    fs.writeFileSync(path.join(dir, 'extracts', 'balances.csv'), 'sku,location_code\nA,DC\n');
    r = await runCli(['config', 'check', '--connect'], { cwd: dir });
    expectBadInput(r, 'Connection "cloud"', 'qty_on_hand');
  });

  it('a CSV header that repeats a mapped column names the file, the column and both places', async () => {
    const dir = sqliteProject(
      inventoryMapping({ cloudTable: 'balances' }),
      'connections:\n  legacy: { url: "sqlite:legacy.db" }\n  cloud: { url: "csv:./extracts" }\n',
    );
    fs.mkdirSync(path.join(dir, 'extracts'));
    const file = path.join(dir, 'extracts', 'balances.csv');
    fs.writeFileSync(file, 'sku,location_code,qty_on_hand,qty_on_hand,,\nA,DC,9,1,,\n');
    const message = `the header of ${file} names the column qty_on_hand twice (columns 3 and 4)`;
    expectBadInput(
      await runCli(['config', 'check', '--connect'], { cwd: dir }),
      'Connection "cloud"',
      message,
    );
    expectBadInput(
      await runCli(['reconcile', 'inventory'], { cwd: dir }),
      message,
      'Rename the repeated columns',
    );
    // The two empty headings no mapping reads are no obstacle.
    fs.writeFileSync(file, 'sku,location_code,qty_on_hand,qty_before,,\nA,DC,9,1,,\n');
    expect((await runCli(['config', 'check', '--connect'], { cwd: dir })).code).toBe(0);
  });
});

describe('a mapping query as pasted from a query tool', () => {
  const withQuery = (query: string) =>
    inventoryMapping().replace('table: inventory_balance', `query: ${JSON.stringify(query)}`);

  it('ending in ";" or in a "-- comment" is read', async () => {
    for (const query of [
      'SELECT sku, location_code, qty_on_hand FROM inventory_balance;',
      'SELECT sku, location_code, qty_on_hand FROM inventory_balance -- note',
    ]) {
      const dir = sqliteProject(withQuery(query));
      const r = await runCli(['config', 'check', '--connect'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('inventory cloud cloud:query (3 columns): ok');
      const run = await runCli(['reconcile', 'inventory', '--json'], { cwd: dir });
      expect(run.code, run.stderr).toBe(0);
      project.cleanup();
    }
  });

  it('of two statements is refused before any query runs, saying where the first ends', async () => {
    const dir = sqliteProject(
      withQuery(
        'SELECT sku, location_code, qty_on_hand FROM inventory_balance;\nDELETE FROM inventory_balance',
      ),
    );
    const message =
      'The mapping\'s query holds more than one statement: the ";" at line 1, column 62 is followed by "DELETE FROM inventory_balance".';
    const check = await runCli(['config', 'check', '--connect'], { cwd: dir });
    expectBadInput(check, 'mapping inventory (inventory.yaml) cloud side', message, 'one SELECT');
    expectBadInput(await runCli(['reconcile', 'inventory', '--dry-run'], { cwd: dir }), message);
  });
});

describe('a mapping key field one side does not produce', () => {
  it.each(['legacy', 'cloud'] as const)('on the %s side', async (side) => {
    const dir = sqliteProject(
      side === 'cloud'
        ? inventoryMapping({ cloudColumns: '{ location: location_code, on_hand: qty_on_hand }' })
        : inventoryMapping({ legacyColumns: '{ sku: ITEMID, on_hand: PHYSICALINVENT }' }),
    );
    const field = side === 'cloud' ? 'sku' : 'location';
    const r = await runCli(['config', 'check'], { cwd: dir });
    expectBadInput(
      r,
      `inventory.yaml: ${side}.columns: the key field "${field}" is not produced by the ${side} side.`,
      `Add \`${field}: <column>\` under ${side}.columns`,
    );
    expectStack(await runCli(['config', 'check', '--debug'], { cwd: dir }));
  });
});

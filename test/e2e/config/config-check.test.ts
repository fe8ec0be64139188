import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { createTestDatabase } from '../../helpers/pg.js';
import { INVENTORY_SQL, inventoryMapping, makeProject, sqliteDb } from './project.js';

// Each test runs the binary several times; a loaded CI machine needs more than the default minute.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

interface CheckJson {
  ok: boolean;
  config: string;
  control: { url: string };
  mappings: { file: string; name: string; kind: string; domain?: string }[];
  connections: {
    name: string;
    url: string;
    readOnlyDeclared: boolean;
    dialect?: string;
    serverVersion?: string;
    latencyMs?: number;
    readOnly?: boolean;
    error?: string;
  }[];
  tables: {
    mapping: string;
    side: string;
    connection: string;
    source: string;
    columns: string[];
    ok: boolean;
  }[];
}

/** The documented `config check --json` shape: runbooks parse it. */
function expectShape(out: CheckJson): void {
  expect(Object.keys(out).sort()).toEqual(['config', 'connections', 'control', 'mappings', 'ok', 'tables']);
  for (const c of out.connections) {
    expect(typeof c.name).toBe('string');
    expect(typeof c.url).toBe('string');
    expect(typeof c.readOnlyDeclared).toBe('boolean');
    if (c.serverVersion !== undefined) {
      expect(typeof c.latencyMs).toBe('number');
      expect(c.latencyMs).toBeGreaterThanOrEqual(0);
      expect(typeof c.readOnly).toBe('boolean');
      expect(typeof c.dialect).toBe('string');
    }
  }
}

let project: ReturnType<typeof makeProject>;
afterEach(() => project?.cleanup());

describe('config check', () => {
  it('validates config and mappings without connecting', async () => {
    project = makeProject({
      'cutover.yaml':
        'connections:\n  legacy: { url: "sqlite:legacy.db", readOnly: true }\n  cloud: { url: "postgres://svc:${E2E_PW}@db.invalid/erp" }\n',
      'mappings/inventory.yaml': inventoryMapping(),
    });
    const r = await runCli(['config', 'check', '--json'], { cwd: project.dir, env: { E2E_PW: 's3cr3t-pw' } });
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<CheckJson>();
    expectShape(out);
    expect(out).toMatchObject({
      ok: true,
      config: path.join(project.dir, 'cutover.yaml'),
      control: { url: `sqlite:${project.dir}/.cutover/control.db` },
      mappings: [{ name: 'inventory', kind: 'reconcile', domain: 'inventory' }],
      connections: [
        { name: 'legacy', url: `sqlite:${project.dir}/legacy.db`, readOnlyDeclared: true },
        { name: 'cloud', url: 'postgres://svc:***@db.invalid/erp', readOnlyDeclared: false },
      ],
      tables: [],
    });
    expect(r.stdout + r.stderr).not.toContain('s3cr3t-pw');
    const human = await runCli(['config', 'check'], { cwd: project.dir, env: { E2E_PW: 's3cr3t-pw' } });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('mapping inventory (inventory.yaml, inventory): valid');
    expect(human.stdout).toContain('connection cloud postgres://svc:***@db.invalid/erp');
  });

  it('with --connect on SQLite: version, latency, read-only, and every mapped table', async () => {
    project = makeProject({
      'cutover.yaml':
        'connections:\n  legacy: { url: "sqlite:legacy.db", readOnly: true }\n  cloud: { url: "sqlite:cloud.db" }\n',
      'mappings/inventory.yaml': inventoryMapping(),
    });
    sqliteDb(path.join(project.dir, 'legacy.db'), INVENTORY_SQL.legacy);
    sqliteDb(path.join(project.dir, 'cloud.db'), INVENTORY_SQL.cloud);
    const r = await runCli(['config', 'check', '--connect', '--json'], { cwd: project.dir });
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<CheckJson>();
    expectShape(out);
    expect(out.connections).toMatchObject([
      {
        name: 'legacy',
        dialect: 'sqlite',
        readOnly: true,
        serverVersion: expect.stringMatching(/^SQLite 3\./),
      },
      { name: 'cloud', dialect: 'sqlite', readOnly: false },
    ]);
    expect(out.tables).toEqual([
      {
        mapping: 'inventory',
        side: 'legacy',
        connection: 'legacy',
        source: 'INVENTSUM',
        columns: ['ITEMID', 'INVENTLOCATIONID', 'PHYSICALINVENT'],
        ok: true,
      },
      {
        mapping: 'inventory',
        side: 'cloud',
        connection: 'cloud',
        source: 'inventory_balance',
        columns: ['sku', 'location_code', 'qty_on_hand'],
        ok: true,
      },
    ]);
    const human = await runCli(['config', 'check', '--connect'], { cwd: project.dir });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(
      /connection legacy sqlite:\S+legacy\.db: SQLite 3\.\S+, \d+\.\d ms, read-only/,
    );
    expect(human.stdout).toContain('inventory cloud cloud:inventory_balance (3 columns): ok');
  });

  describe('with --connect on PostgreSQL and a CSV folder', () => {
    let db: Awaited<ReturnType<typeof createTestDatabase>>;
    beforeAll(async () => {
      db = await createTestDatabase();
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      await c.query(
        'CREATE TABLE "Inventory Balance" (sku text, "Location" text, qty_on_hand numeric(18,3))',
      );
      await c.end();
    });
    afterAll(() => db?.drop());

    it('reports each server and checks quoted table and column names', async () => {
      project = makeProject({
        'cutover.yaml': `connections:\n  legacy: { url: "csv:./extracts", readOnly: true }\n  cloud: { url: "${db.url}" }\n  cloudRo: { url: "${db.url}", readOnly: true }\n`,
        'mappings/inventory.yaml': inventoryMapping({
          legacyTable: 'inventsum',
          legacyColumns: '{ sku: ITEMID, location: INVENTLOCATIONID, on_hand: PHYSICALINVENT }',
          cloudTable: '"Inventory Balance"',
          cloudColumns: '{ sku: sku, location: Location, on_hand: qty_on_hand }',
        }),
        'extracts/inventsum.csv': '\uFEFFITEMID,INVENTLOCATIONID,PHYSICALINVENT\nA-100,01,"12.5"\n',
      });
      const r = await runCli(['config', 'check', '--connect', '--json'], { cwd: project.dir });
      expect(r.code, r.stderr).toBe(0);
      const out = r.json<CheckJson>();
      expectShape(out);
      const byName = Object.fromEntries(out.connections.map((c) => [c.name, c]));
      expect(byName.cloud).toMatchObject({ dialect: 'postgres', readOnly: false });
      expect(byName.cloud!.serverVersion).toMatch(/PostgreSQL \d+/);
      expect(byName.cloudRo).toMatchObject({ dialect: 'postgres', readOnly: true });
      expect(byName.legacy).toMatchObject({ dialect: 'csv', readOnly: true });
      expect(out.tables.map((t) => [t.side, t.ok])).toEqual([
        ['legacy', true],
        ['cloud', true],
      ]);
    });
  });

  it('checks an events mapping too, and refuses an invalid one', async () => {
    project = makeProject({
      'cutover.yaml': 'connections:\n  cloud: { url: "sqlite:cloud.db" }\n',
      'mappings/events.yaml':
        'name: events\ntarget: cloud\nevents:\n  inventory.adjusted:\n    table: inventory_balance\n    action: increment\n    match: { sku: $.payload.sku }\n    values: { qty_on_hand: $.payload.delta }\n',
    });
    let r = await runCli(['config', 'check', '--json'], { cwd: project.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<CheckJson>().mappings).toMatchObject([{ name: 'events', kind: 'events' }]);
    fs.writeFileSync(
      path.join(project.dir, 'mappings/events.yaml'),
      'name: events\ntarget: clod\nevents:\n  x: { table: t, action: insert }\n',
    );
    r = await runCli(['config', 'check'], { cwd: project.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('names the connection "clod"');
  });
});

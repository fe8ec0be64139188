// Reconcile with a MariaDB legacy side (issue 14, part 2) against PostgreSQL: the server's default
// collation is case-insensitive and PAD SPACE, so 'a' and 'A' (and 'b' against 'B') must still be
// told apart after reading; DECIMAL stays exact; the naive DATETIME is read in the mapping's zone and
// the --since/--until window is pushed down into MariaDB.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase } from '../../helpers/pg.js';
import { createMysqlTestDatabase, mysqlExec } from '../../helpers/mysql.js';
import { runCli } from '../../helpers/cli.js';
import {
  buildScenario,
  inventoryMapping,
  LEGACY_TZ,
  makeProject,
  POISONED,
  writeMysqlLegacy,
  writePgCloud,
  type Scenario,
} from './fixture.js';
import { checkPushdown, checkScenario, WINDOW } from './scenario-checks.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

describe('cutover reconcile, MariaDB (legacy) ↔ PostgreSQL (cloud)', () => {
  let dir: string;
  let scenario: Scenario;
  const drops: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    scenario = buildScenario(300);
    const legacy = await createMysqlTestDatabase('cutover_rl');
    drops.push(() => legacy.drop());
    const cloud = await createTestDatabase('cutover_rc');
    drops.push(() => cloud.drop());
    await writeMysqlLegacy(legacy.url, scenario.legacy);
    await writePgCloud(cloud.url, scenario.cloud);
    dir = makeProject(
      { legacy: legacy.url.replace(/^mysql:/, 'mariadb:'), cloud: cloud.url },
      {
        inventory: inventoryMapping({ legacyTz: LEGACY_TZ }),
        poisoned: inventoryMapping({
          legacyTz: LEGACY_TZ,
          name: 'poisoned',
          legacyQuery: POISONED.mysql.legacyQuery,
          cloudQuery: POISONED.postgres.cloudQuery,
        }),
      },
    );
  });
  afterAll(async () => {
    for (const d of drops) await d();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds exactly the planted differences: CHAR(12) keys, DECIMAL scales, NULL vs empty, a and A under a case-insensitive collation', async () => {
    const { summary } = await checkScenario(dir, scenario);
    expect(summary.systems.legacy.url).toMatch(/^mariadb:/);
  });

  it('--since/--until limit both sides (DATETIME in New York, timestamptz)', async () => {
    const { expected } = await checkScenario(dir, scenario, WINDOW);
    expect(expected.counts.legacy).toBeLessThan(scenario.legacy.length);
  });

  it('refuses a window bound before 1000-01-01 on the MariaDB side (exit 2), and reads every row from 1000-01-02', async () => {
    const runs = async () =>
      (await runCli(['runs', 'list', '--json'], { cwd: dir })).json<{ total: number }>().total;
    const before = await runs();
    for (const args of [[], ['--dry-run']]) {
      const r = await runCli(['reconcile', 'inventory', '--since', '0999-06-01', ...args], { cwd: dir });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(
        '--since 0999-06-01T00:00:00.000Z is 0999-05-31 19:03:58 in America/New_York on a MySQL/MariaDB side, before 1000-01-01 00:00:00',
      );
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(await runs()).toBe(before); // refused before a run is recorded
    const r = await runCli(['reconcile', 'inventory', '--since', '1000-01-02', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.json<{ counts: { legacy: number; cloud: number } }>().counts).toMatchObject({
      legacy: scenario.legacy.length,
      cloud: scenario.cloud.length,
    });
  });

  it('never reads the rows outside the window on either side', async () => {
    await checkPushdown(dir, scenario, 'poisoned');
  });

  it('config check --connect reports the server, read-only and every mapped column', async () => {
    const r = await runCli(['config', 'check', '--connect', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const j = r.json<{
      connections: { name: string; dialect: string; serverVersion: string; readOnly: boolean }[];
      tables: { mapping: string; side: string; ok: boolean }[];
    }>();
    expect(j.connections.find((c) => c.name === 'legacy')).toMatchObject({
      dialect: 'mysql',
      serverVersion: expect.stringMatching(/^MariaDB \d+\.\d+/),
      readOnly: false,
    });
    const legacyTables = j.tables.filter((t) => t.side === 'legacy');
    expect(legacyTables.length).toBe(2);
    expect(legacyTables.every((t) => t.ok)).toBe(true);
  });

  it('a zero date (0000-00-00) is bad input naming the table and column, not a crash', async () => {
    const legacyUrl = /url: "([^"]+)"/.exec(fs.readFileSync(`${dir}/cutover.yaml`, 'utf8'))![1]!;
    const url = legacyUrl.replace(/^mariadb:/, 'mysql:');
    await mysqlExec(
      url,
      "SET SESSION sql_mode = ''",
      'CREATE TABLE INVENTSUM_Z AS SELECT * FROM INVENTSUM',
      "UPDATE INVENTSUM_Z SET MODIFIEDDATETIME = '0000-00-00 00:00:00' WHERE ITEMID = 'SKU-0007'",
    );
    fs.writeFileSync(
      `${dir}/mappings/zero.yaml`,
      fs
        .readFileSync(`${dir}/mappings/inventory.yaml`, 'utf8')
        .replace('name: inventory', 'name: zero')
        .replace('table: INVENTSUM', 'table: INVENTSUM_Z'),
    );
    // Streamed: checksum pushdown never reads an agreeing row's columns that are not compared
    // (MODIFIEDDATETIME is updated_at, compare: false), so it would not see the zero date there.
    const r = await runCli(['reconcile', 'zero', '--pushdown', 'off'], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/INVENTSUM_Z holds the zero date 0000-00-00 00:00:00 in MODIFIEDDATETIME/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
  it('a recheck and a confirm pass of the planted differences find them all again, by key-set reads (a and A, CHAR keys)', async () => {
    interface Run {
      runId: string;
      counts: Record<string, number>;
      exceptions: Record<string, number>;
      confirm?: Record<string, number | string>;
      recheck?: { items: number; legacy: { pushedDown: string[] }; cloud: { pushedDown: string[] } };
    }
    const run = async (...flags: string[]) => {
      const r = await runCli(['reconcile', 'inventory', '--report', 'json', '--json', ...flags], {
        cwd: dir,
      });
      expect(r.code, r.stderr).toBe(1);
      return r.json<Run>();
    };
    const full = await run();
    const differing = (c: Record<string, number>) =>
      [c.mismatched, c.missingInCloud, c.missingInLegacy, c.duplicateKeys].join(',');

    // Nothing changed since: the recheck reads the open items' keys (pushed down on the location,
    // a plain column; sku is trimmed, so filtered after) and finds every one of them again.
    const re = await run('--recheck');
    expect(re.recheck!.legacy.pushedDown).toEqual(['INVENTLOCATIONID']);
    expect(re.recheck!.cloud.pushedDown).toEqual(['location_code']);
    expect(differing(re.counts)).toBe(differing(full.counts));
    expect(re.exceptions).toMatchObject({ opened: 0, resolved: 0 });

    // A confirm pass with no writes between: every difference persists, none is in flight.
    const confirmed = await run('--confirm-after', '1s');
    expect(differing(confirmed.counts)).toBe(differing(full.counts));
    expect(confirmed.confirm).toMatchObject({ changed: 0, inFlight: 0 });
    expect(confirmed.confirm!.persistent).toBe(
      full.counts.mismatched! +
        full.counts.missingInCloud! +
        full.counts.missingInLegacy! +
        full.counts.duplicateKeys!,
    );
  });
});

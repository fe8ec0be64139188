import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { createTestDatabase } from '../../helpers/pg.js';
import {
  buildScenario,
  inventoryMapping,
  LEGACY_TZ,
  makeProject,
  POISONED,
  writePgCloud,
  writePgLegacy,
  writeSqliteCloud,
  type Scenario,
} from './fixture.js';
import { checkPushdown, checkScenario, WINDOW } from './scenario-checks.js';

// Each test runs the real binary several times; on a loaded 2-core machine a run can take seconds.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

type Db = Awaited<ReturnType<typeof createTestDatabase>>;

describe('cutover reconcile, PostgreSQL ↔ PostgreSQL', () => {
  let dir: string;
  let scenario: Scenario;
  const dbs: Db[] = [];
  beforeAll(async () => {
    scenario = buildScenario(300);
    const legacy = await createTestDatabase('cutover_rl');
    dbs.push(legacy);
    const cloud = await createTestDatabase('cutover_rc');
    dbs.push(cloud);
    await writePgLegacy(legacy.url, scenario.legacy);
    await writePgCloud(cloud.url, scenario.cloud);
    dir = makeProject(
      { legacy: legacy.url, cloud: cloud.url },
      {
        inventory: inventoryMapping({ legacyTz: LEGACY_TZ }),
        poisoned: inventoryMapping({ legacyTz: LEGACY_TZ, name: 'poisoned', ...POISONED.postgres }),
      },
    );
  });
  afterAll(async () => {
    for (const d of dbs) await d.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds exactly the planted differences: char(12) keys, numeric scales, NULL vs empty, a and A', async () => {
    const { summary } = await checkScenario(dir, scenario);
    expect(summary.systems.legacy.url).toMatch(/^postgres/);
  });

  it('--since/--until are pushed down on both sides (timestamp in New York, timestamptz)', async () => {
    const { expected } = await checkScenario(dir, scenario, WINDOW);
    expect(expected.counts.legacy).toBeLessThan(scenario.legacy.length);
  });

  it('never reads the rows outside the window on either side', async () => {
    await checkPushdown(dir, scenario, 'poisoned');
  });
});

describe('cutover reconcile, PostgreSQL (legacy) ↔ SQLite (cloud)', () => {
  let dir: string;
  let scenario: Scenario;
  let db: Db | undefined;
  beforeAll(async () => {
    scenario = buildScenario(200);
    db = await createTestDatabase('cutover_rx');
    await writePgLegacy(db.url, scenario.legacy);
    dir = makeProject(
      { legacy: db.url, cloud: 'sqlite:./cloud.db' },
      {
        inventory: inventoryMapping({ legacyTz: LEGACY_TZ }),
        poisoned: inventoryMapping({
          legacyTz: LEGACY_TZ,
          name: 'poisoned',
          legacyQuery: POISONED.postgres.legacyQuery,
          cloudQuery: POISONED.sqlite.cloudQuery,
        }),
      },
    );
    writeSqliteCloud(path.join(dir, 'cloud.db'), scenario.cloud);
  });
  afterAll(async () => {
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('agrees with the reference classification across two engines that disagree about types', async () => {
    await checkScenario(dir, scenario);
  });

  it('--since/--until limit both sides', async () => {
    await checkScenario(dir, scenario, WINDOW);
  });

  it('pushes the window down into each engine', async () => {
    await checkPushdown(dir, scenario, 'poisoned');
  });
});

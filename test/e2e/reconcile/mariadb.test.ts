// Reconcile with a MariaDB legacy side (issue 14, part 2) against PostgreSQL: the server's default
// collation is case-insensitive and PAD SPACE, so 'a' and 'A' (and 'b' against 'B') must still be
// told apart after reading; DECIMAL stays exact; the naive DATETIME is read in the mapping's zone and
// the --since/--until window is pushed down into MariaDB.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase } from '../../helpers/pg.js';
import { createMysqlTestDatabase } from '../../helpers/mysql.js';
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

  it('never reads the rows outside the window on either side', async () => {
    await checkPushdown(dir, scenario, 'poisoned');
  });
});

// Window bounds outside 0001-01-01 … 9999-12-31 through the binary (SQLite legacy in New York, SQLite
// cloud in UTC): refused with exit 2 before any connection, where `--since 0000-01-01` used to read no
// legacy row (its bound, -000001-12-31 19:03:58, is NULL to julianday()) and every cloud row, and
// report each cloud row as missing in legacy, and `--since 99999999d` read nothing and called it clean.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import {
  buildScenario,
  inventoryMapping,
  LEGACY_TZ,
  makeProject,
  summarySchema,
  writeSqliteCloud,
  writeSqliteLegacy,
  type Scenario,
} from './fixture.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const RANGE = 'a window bound must lie from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z';

let dir: string;
let scenario: Scenario;
beforeAll(() => {
  scenario = buildScenario(60);
  dir = makeProject(
    { legacy: 'sqlite:./legacy.db', cloud: 'sqlite:./cloud.db' },
    { inventory: inventoryMapping({ legacyTz: LEGACY_TZ }) },
  );
  writeSqliteLegacy(path.join(dir, 'legacy.db'), scenario.legacy);
  writeSqliteCloud(path.join(dir, 'cloud.db'), scenario.cloud);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]) => runCli(args, { cwd: dir });

/** Exit 2, one paragraph on stderr (no stack), the same under --json on stdout; nothing run or opened. */
async function refused(args: string[], message: string): Promise<void> {
  const r = await cli(...args, '--json');
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(/^Error: /);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).toContain(message);
  expect(r.json()).toMatchObject({ status: 'error', exitCode: 2, error: expect.stringContaining(message) });
}

describe('reconcile --since/--until outside the range', () => {
  it.each([
    [
      '--since',
      '0000-01-01',
      `--since "0000-01-01" is 0000-01-01T00:00:00.000Z; ${RANGE}. Give a later --since`,
    ],
    ['--since', '99999999d', `--since "99999999d" reaches back before 0001-01-01T00:00:00Z; ${RANGE}.`],
    [
      '--until',
      '9999-12-31T23:00:00-05:00',
      `--until "9999-12-31T23:00:00-05:00" is +010000-01-01T04:00:00.000Z; ${RANGE}.`,
    ],
  ])(
    '%s %s is refused before any connection, naming the flag, the value and the range',
    async (flag, value, message) => {
      await refused(['reconcile', 'inventory', flag, value], message);
      await refused(['reconcile', 'inventory', flag, value, '--dry-run'], message);
      // Nothing ran: no run stored, no exception item opened.
      expect((await cli('runs', 'list', '--json')).json()).toMatchObject({ total: 0 });
      expect((await cli('exceptions', 'list', '--json')).json()).toMatchObject({ total: 0 });
    },
  );

  it('refuses a bound inside the range whose wall clock on a side is not (0001-01-01T00:00Z in New York)', async () => {
    await refused(
      ['reconcile', 'inventory', '--since', '0001-01-01'],
      "--since 0001-01-01T00:00:00.000Z is 0000-12-31 19:03:58 in America/New_York, the zone of the legacy side's window column MODIFIEDDATETIME (mapping inventory)",
    );
  });

  it('refuses a --settle age whose cutoff falls before year 1 (it left out every row: clean)', async () => {
    await refused(
      ['reconcile', 'inventory', '--settle', '99999999d'],
      '--settle 99999999d reaches back before 0001-01-01T00:00:00Z',
    );
  });

  it('takes a bound a day inside the range and reads every row on both sides, as with no window', async () => {
    const all = summarySchema.parse((await cli('reconcile', 'inventory', '--json')).json());
    const r = await cli('reconcile', 'inventory', '--since', '0001-01-02', '--until', '9999-12-31', '--json');
    expect(r.code, r.stderr).toBe(1);
    const s = summarySchema.parse(r.json());
    expect(s.counts).toEqual(all.counts);
    expect(s.counts.legacy).toBe(scenario.legacy.length);
    expect(s.counts.cloud).toBe(scenario.cloud.length);
  });

  it('exceptions list --older-than an age reaching back before year 1 is bad input (exit 2), not a fault (exit 3)', async () => {
    for (const age of ['99999999d', '999999999999d'])
      await refused(
        ['exceptions', 'list', '--older-than', age],
        `--older-than ${age} reaches back before 0001-01-01T00:00:00Z`,
      );
  });
});

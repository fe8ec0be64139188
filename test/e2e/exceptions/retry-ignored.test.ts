import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, it, expect } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { makeProject, writeEvents, at, INVENTORY_MAPPING } from '../replay/fixture.js';

interface Item {
  id: string;
  kind: string;
  status: string;
  lastError?: string | null;
}

describe('exceptions retry after a person ignored the failed event', () => {
  it('a different event failing on retry reopens the failed item, and the message names what is open', async () => {
    const dir = makeProject({ cloud: '{ url: "sqlite:./target.db" }' }, INVENTORY_MAPPING);
    const db = new Database(path.join(dir, 'target.db'));
    db.exec(`CREATE TABLE inventory_balance (sku TEXT NOT NULL, location_code TEXT NOT NULL, qty_on_hand TEXT,
               last_event TEXT, PRIMARY KEY (sku, location_code))`);
    db.close();
    const p = { sku: 'K-1', location: 'S1' };
    writeEvents(dir, [
      // No row yet: fails, and parks the two behind it.
      {
        id: 'k1',
        type: 'inventory.adjusted',
        key: 'K-1@S1',
        occurredAt: at(1),
        payload: { ...p, delta: '1' },
      },
      { id: 'k2', type: 'inventory.counted', key: 'K-1@S1', occurredAt: at(2), payload: { ...p, qty: '5' } },
      // Its payload is not an object: it fails when its turn comes.
      JSON.stringify({
        id: 'k3',
        type: 'inventory.noted',
        key: 'K-1@S1',
        occurredAt: at(3),
        payload: 'nope',
      }),
    ]);
    const run = await runCli(['replay', '--events', 'events.jsonl', '--json'], { cwd: dir });
    expect(run.code, run.stderr).toBe(1);
    expect(run.json<{ counts: Record<string, number> }>().counts).toMatchObject({ failed: 1, parked: 2 });

    const items = async () =>
      (
        await runCli(['exceptions', 'list', '--json', '--status', 'open,assigned,resolved,ignored'], {
          cwd: dir,
        })
      ).json<{
        items: Item[];
      }>().items;
    const failed = (await items()).find((i) => i.kind === 'replay_failed')!;
    const parked = (await items()).find((i) => i.kind === 'replay_parked')!;
    const ignore = await runCli(['exceptions', 'ignore', failed.id, '--note', 'k1 does not matter'], {
      cwd: dir,
    });
    expect(ignore.code, ignore.stderr).toBe(0);

    const retry = await runCli(['exceptions', 'retry', parked.id, '--json'], { cwd: dir });
    expect(retry.code, retry.stderr).toBe(1);
    const r = retry.json<{
      status: string;
      applied: number;
      failedEvent: string;
      open: string[];
      resolved: string[];
    }>();
    expect(r).toMatchObject({ status: 'failed', applied: 1, failedEvent: 'k3', resolved: [parked.id] });
    expect(r.open).toEqual([failed.id]);
    // k3's failure is tracked by an open item, not hidden on the ignored one.
    const after = await runCli(['exceptions', 'show', failed.id, '--json'], { cwd: dir });
    expect(after.json<Item>()).toMatchObject({ status: 'open', lastError: expect.stringMatching(/^k3 /) });

    // The text says what happened and what is open, not that "the items stay open".
    const text = await runCli(['exceptions', 'retry', failed.id], { cwd: dir });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/k3 failed: "payload" is not an object/);
    expect(text.stdout).toContain(`Open: ${failed.id}.`);
  }, 120_000);
});

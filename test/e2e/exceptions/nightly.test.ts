import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

/** Sets a side's inventory table to exactly these rows (sku → quantity, all at DC). */
function setRows(file: string, rows: Record<string, string>): void {
  const db = new Database(file);
  db.exec('CREATE TABLE IF NOT EXISTS inv (sku TEXT, location TEXT, qty TEXT); DELETE FROM inv;');
  const insert = db.prepare('INSERT INTO inv VALUES (?, ?, ?)');
  for (const [sku, qty] of Object.entries(rows)) insert.run(sku, 'DC', qty);
  db.close();
}

// Three nightly `cutover reconcile` runs through the binary, the data changing between them.
describe('nightly reconcile runs keep the queue in step', { timeout: 300_000 }, () => {
  let dir: string;
  const cli = (...args: string[]) => runCli(args, { cwd: dir, timeoutMs: 240_000 });
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-exc-nightly-'));
    fs.mkdirSync(path.join(dir, 'mappings'));
    fs.writeFileSync(
      path.join(dir, 'cutover.yaml'),
      [
        'connections:',
        '  legacy: { url: "sqlite:legacy.db", readOnly: true }',
        '  cloud: { url: "sqlite:cloud.db" }',
        'control: { url: "sqlite:control.db" }',
      ].join('\n'),
    );
    fs.writeFileSync(
      path.join(dir, 'mappings', 'inventory.yaml'),
      [
        'name: inventory',
        'key: [sku, location]',
        'fields:',
        '  sku: { type: string }',
        '  location: { type: string }',
        '  on_hand: { type: decimal, scale: 3 }',
        'thresholds: { high: "100", medium: "5" }',
        'legacy: { connection: legacy, table: inv, columns: { sku: sku, location: location, on_hand: qty } }',
        'cloud: { connection: cloud, table: inv, columns: { sku: sku, location: location, on_hand: qty } }',
      ].join('\n'),
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('opens, updates, resolves and reopens exactly as the data changes', async () => {
    const nights: [Record<string, string>, Record<string, string>, Record<string, number>][] = [
      // A mismatched, B missing in cloud
      [
        { A: '1', B: '2', C: '3' },
        { A: '9', C: '3' },
        { opened: 2, updated: 0, resolved: 0, reopened: 0, ignored: 0 },
      ],
      // A still off; B arrives (resolved); D only in cloud (opened)
      [
        { A: '1', B: '2', C: '3' },
        { A: '9', B: '2', C: '3', D: '500' },
        { opened: 1, updated: 1, resolved: 1, reopened: 0, ignored: 0 },
      ],
      // A fixed (resolved); B gone again (reopened); D still there (updated)
      [
        { A: '1', B: '2', C: '3' },
        { A: '1', C: '3', D: '500' },
        { opened: 0, updated: 1, resolved: 1, reopened: 1, ignored: 0 },
      ],
    ];
    const runIds: string[] = [];
    for (const [legacy, cloud, expected] of nights) {
      setRows(path.join(dir, 'legacy.db'), legacy);
      setRows(path.join(dir, 'cloud.db'), cloud);
      const r = await cli('reconcile', 'inventory', '--json');
      expect(r.code, r.stderr).toBe(1);
      const summary = r.json<{ runId: string; exceptions: Record<string, number> }>();
      expect(summary.exceptions).toEqual(expected);
      runIds.push(summary.runId);
    }
    const list = await cli('exceptions', 'list', '--json', '--sort', 'mapping');
    const items = list.json<{
      items: {
        id: string;
        kind: string;
        key: { sku: string };
        status: string;
        occurrences: number;
        severity: string;
      }[];
    }>().items;
    expect(items.map((i) => [i.kind, i.key.sku, i.status, i.occurrences, i.severity])).toEqual([
      ['mismatch', 'A', 'resolved', 2, 'medium'],
      ['missing_in_cloud', 'B', 'open', 2, 'low'],
      ['missing_in_legacy', 'D', 'open', 2, 'high'],
    ]);
    // A person ignores D; the next night still sees it: counted as ignored, and it stays ignored.
    const d = items.find((i) => i.key.sku === 'D')!;
    expect((await cli('exceptions', 'ignore', d.id, '--note', 'known cloud-only item')).code).toBe(0);
    const again = await cli('reconcile', 'inventory', '--json');
    expect(again.json<{ exceptions: Record<string, number> }>().exceptions).toMatchObject({
      opened: 0,
      ignored: 1,
    });
    expect((await cli('exceptions', 'show', '--json', d.id)).json<{ status: string }>().status).toBe(
      'ignored',
    );
    const b = await cli('exceptions', 'show', '--json', items.find((i) => i.key.sku === 'B')!.id);
    const history = b.json<{ history: { action: string; note: string }[] }>().history;
    expect(history.map((h) => [h.action, h.note])).toEqual([
      ['opened', `first seen in run ${runIds[0]}`],
      ['resolved', `not seen in run ${runIds[1]}`],
      ['reopened', `seen again in run ${runIds[2]}`],
    ]);
  });
});

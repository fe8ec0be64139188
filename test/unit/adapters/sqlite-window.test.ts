import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createAdapter } from '../../../src/adapters/registry.js';
import { silentLogger } from '../../../src/util/logger.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-sqlite-window-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('sqlite window pushdown', () => {
  it('filters ISO "T…Z" and space-separated timestamp text alike', async () => {
    const file = path.join(dir, 'w.db');
    const db = new Database(file);
    db.exec('CREATE TABLE t (id TEXT, at TEXT)');
    const rows = [
      ['a', '2026-11-21T10:00:00Z'], // inside: 'T' sorts after ' ' in plain text comparison
      ['b', '2026-11-21 11:59:59'], // inside
      ['c', '2026-11-21T12:00:00.000Z'], // the exclusive upper bound
      ['d', '2026-11-20T23:59:59Z'], // before
      ['e', '2026-11-21 00:00:00'], // the inclusive lower bound
    ];
    for (const r of rows) db.prepare('INSERT INTO t VALUES (?, ?)').run(...r);
    db.close();
    const adapter = createAdapter({ name: 'w', url: `sqlite:${file}` }, { logger: silentLogger() });
    await adapter.connect();
    const ids: unknown[] = [];
    for await (const batch of adapter.read({
      table: 't',
      columns: ['id'],
      window: {
        column: 'at',
        since: new Date('2026-11-21T00:00:00Z'),
        until: new Date('2026-11-21T12:00:00Z'),
      },
    }))
      for (const row of batch) ids.push(row[0]);
    await adapter.close();
    expect(ids.sort()).toEqual(['a', 'b', 'e']);
  });
});

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { makeProject, summarySchema } from './fixture.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

// The diagnosis thread starts while the run still records its differences (once there are 5,000),
// so that it has loaded by the time the queue sync begins. A run whose differences then turn out too
// large to keep at hand (over 32 MB of JSON) diagnoses them on the main thread instead: the thread
// it started must be stopped, or the process would never exit.
const N = 6000;
const MAPPING = `name: notes
key: [id]
fields:
  id: { type: string }
  qty: { type: decimal, scale: 2 }
  body: { type: string }
legacy: { connection: legacy, table: notes, columns: { id: id, qty: qty, body: body } }
cloud: { connection: cloud, table: notes, columns: { id: id, qty: qty, body: body } }
`;

function writeNotes(file: string, rows: number, body: (i: number) => string, qty: (i: number) => string) {
  const db = new Database(file);
  db.exec('CREATE TABLE notes (id TEXT PRIMARY KEY, qty TEXT, body TEXT)');
  const insert = db.prepare('INSERT INTO notes VALUES (?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`N${i}`, qty(i), body(i));
  })();
  db.close();
}

describe('cutover reconcile with a diagnosis thread started early', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeProject({ legacy: 'sqlite:./legacy.db', cloud: 'sqlite:./cloud.db' }, { notes: MAPPING });
    // Every row differs in qty and carries ~6 KB of text on each side: ~12 KB of JSON per difference.
    const body = (i: number) => `${i}:`.padEnd(6000, 'x');
    writeNotes(path.join(dir, 'legacy.db'), N, body, () => '1.00');
    writeNotes(path.join(dir, 'cloud.db'), N, body, () => '2.00');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('stops the thread it no longer needs when the differences are too large to keep at hand, and exits', async () => {
    const log = path.join(dir, 'run.log');
    const r = await runCli(['reconcile', 'notes', '--json', '--debug', '--log-file', log], {
      cwd: dir,
      // A thread left running keeps the process alive: killed, the run fails here.
      timeoutMs: 60_000,
    });
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(r.code).toBe(1);
    const summary = summarySchema.passthrough().parse(JSON.parse(r.stdout));
    expect(summary.counts.mismatched).toBe(N);
    expect(summary.exceptions).toMatchObject({ opened: N });
    // Diagnosed all the same, here: one cause (qty +1.00 on every row).
    expect((summary as { causes?: unknown[] }).causes?.length).toBeGreaterThan(0);
    const lines = fs
      .readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.find((l) => l.phase === 'diagnosis')).toBeTruthy();
  });
});

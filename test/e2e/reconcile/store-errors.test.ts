import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { expectBadInput, itemsMapping, makeProject, sqliteDb } from '../config/project.js';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

// A control store that fails under a run (here a damaged page of cutover_differences, as a full or
// failing disk would) is the user's environment, not a fault in cutover: exit 2, one paragraph that
// says the database refused and what to check, no stack, and the run recorded as ended. Both ways a
// run stores its differences: on the main thread (a few) and through the loader thread (5,000+).

let project: ReturnType<typeof makeProject> | undefined;
afterEach(() => project?.cleanup());

const MAPPING = itemsMapping();

/** A project whose legacy side has `rows` items the cloud side lacks, and a control store with a damaged differences table. */
async function damagedStore(rows: number): Promise<string> {
  project = makeProject({
    'cutover.yaml':
      'connections:\n  legacy: { url: "sqlite:legacy.db", readOnly: true }\n  cloud: { url: "sqlite:cloud.db", readOnly: true }\ncontrol: { url: "sqlite:control.db" }\n',
    'mappings/items.yaml': MAPPING,
  });
  const dir = project.dir;
  const values = Array.from({ length: rows }, (_, i) => `('S${i}', ${i}.5)`).join(', ');
  sqliteDb(
    path.join(dir, 'legacy.db'),
    `CREATE TABLE items (sku TEXT, qty NUMERIC); INSERT INTO items VALUES ${values};`,
  );
  sqliteDb(path.join(dir, 'cloud.db'), 'CREATE TABLE items (sku TEXT, qty NUMERIC);');
  // The store as cutover makes it, then the root page of its differences table overwritten.
  expect((await runCli(['runs', 'list'], { cwd: dir })).code).toBe(0);
  const file = path.join(dir, 'control.db');
  const db = new Database(file);
  const page = db.pragma('page_size', { simple: true }) as number;
  const root = db
    .prepare("SELECT rootpage FROM sqlite_master WHERE name = 'cutover_differences'")
    .pluck()
    .get() as number;
  db.close();
  expect(fs.existsSync(`${file}-wal`)).toBe(false);
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, Buffer.alloc(page, 0xff), 0, page, (root - 1) * page);
  fs.closeSync(fd);
  return dir;
}

describe('a control store that fails during a run', () => {
  for (const [how, rows] of [
    ['a few differences, stored on the main thread', 3],
    ['6,000 differences, stored by the loader thread', 6000],
  ] as const)
    it(`${how}: exit 2, the database named as the cause, the run ended`, async () => {
      const dir = await damagedStore(rows);
      const r = await runCli(['reconcile', 'items'], { cwd: dir });
      const p = expectBadInput(r, /malformed/, 'SQLITE_CORRUPT', /control store/, /free space/);
      expect(p).not.toContain('fault in cutover');
      const runs = await runCli(['runs', 'list', '--json'], { cwd: dir });
      const items = runs.json<{ items: { status: string }[] }>().items;
      expect(items).toHaveLength(1);
      expect(items[0]!.status).toBe('error');
      // No half-written report folder is left behind.
      expect(
        fs.readdirSync(path.join(dir, 'reports'), { withFileTypes: true }).filter((e) => e.isDirectory()),
      ).toEqual([]);
    });
});

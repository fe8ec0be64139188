// A mapping named twice on the command line is reconciled once: `reconcile items items` ran it twice,
// two runs, and each exception's occurrences counted twice in one night.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { itemsMapping, makeProject, sqliteDb } from '../config/project.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

let project: ReturnType<typeof makeProject>;

beforeAll(() => {
  project = makeProject({
    'cutover.yaml':
      'connections:\n  legacy: { url: "sqlite:legacy.db", readOnly: true }\n  cloud: { url: "sqlite:cloud.db" }\ncontrol: { url: "sqlite:.cutover/control.db" }\n',
    'mappings/items.yaml': itemsMapping('items'),
    // A file whose name is not its mapping's: `other` and `other-file` name the same mapping.
    'mappings/other-file.yaml': itemsMapping('other'),
  });
  const table = 'CREATE TABLE items (sku TEXT, qty TEXT);';
  sqliteDb(
    path.join(project.dir, 'legacy.db'),
    `${table} INSERT INTO items VALUES ('A', '1.00'), ('B', '2.00');`,
  );
  sqliteDb(
    path.join(project.dir, 'cloud.db'),
    `${table} INSERT INTO items VALUES ('A', '1.00'), ('B', '2.50');`,
  );
});
afterAll(() => project.cleanup());

async function runNames(): Promise<string[]> {
  const r = await runCli(['runs', 'list', '--json'], { cwd: project.dir });
  expect(r.code, r.stderr).toBe(0);
  return r.json<{ items: { id: string; name: string }[] }>().items.map((x) => x.name);
}

describe('reconcile with a mapping named twice', () => {
  it('`reconcile items items` makes one run, prints its one summary and warns once', async () => {
    const r = await runCli(['reconcile', 'items', 'items', 'items', '--json'], { cwd: project.dir });
    expect(r.code, r.stderr).toBe(1);
    // One mapping: its summary object, as `reconcile items` prints it.
    expect(r.json()).toMatchObject({ name: 'items', status: 'differences', counts: { mismatched: 1 } });
    expect(r.stderr.match(/^Warning: .*$/gm)).toEqual([
      'Warning: mapping items is named more than once: it is reconciled once.',
    ]);
    expect(await runNames()).toEqual(['items']);
    const list = await runCli(['exceptions', 'list', '--mapping', 'items', '--json'], { cwd: project.dir });
    expect(list.json()).toMatchObject({ total: 1, items: [{ key: { sku: 'B' }, occurrences: 1 }] });
  });

  it('by its name and its file name it runs once too, in the order first named', async () => {
    const r = await runCli(['reconcile', 'other', 'items', 'other-file', '--json'], { cwd: project.dir });
    expect(r.code, r.stderr).toBe(1);
    const out = r.json<{ runs: { name: string }[]; status: string }>();
    expect(out.runs.map((s) => s.name)).toEqual(['other', 'items']);
    expect(r.stderr).toContain('Warning: mapping other is named more than once: it is reconciled once.');
    expect((await runNames()).sort()).toEqual(['items', 'items', 'other']);
    const list = await runCli(['exceptions', 'list', '--mapping', 'other', '--json'], { cwd: project.dir });
    expect(list.json()).toMatchObject({ total: 1, items: [{ occurrences: 1 }] });
  });

  it('--dry-run describes it once', async () => {
    const r = await runCli(['reconcile', 'items', 'items', '--dry-run', '--json'], { cwd: project.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ name: 'items', status: 'dry-run' });
  });
});

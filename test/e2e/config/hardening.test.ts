import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { expectBadInput, itemsMapping, makeProject, sqliteDb } from './project.js';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

// Issue 12 items 4, 10, 11, 16, 17 through the built binary: each is exit 2 with one paragraph that
// names the file and the fix, and leaves no run `running`.

const CONFIG =
  'connections:\n  legacy: { url: "sqlite:legacy.db", readOnly: true }\n  cloud: { url: "sqlite:cloud.db" }\n';

const mapping = itemsMapping;

const BOMB = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  .concat(
    'bcdefghi'.split('').map((k, i) => {
      const prev = 'abcdefghi'[i]!;
      return `${k}: &${k} [${Array(9).fill(`*${prev}`).join(',')}]`;
    }),
  )
  .join('\n');

let project: ReturnType<typeof makeProject> | undefined;
afterEach(() => project?.cleanup());

function projectWith(files: Record<string, string>) {
  project = makeProject({ 'cutover.yaml': CONFIG, 'mappings/items.yaml': mapping('items'), ...files });
  for (const db of ['legacy.db', 'cloud.db'])
    sqliteDb(
      path.join(project.dir, db),
      "CREATE TABLE items (sku TEXT, qty NUMERIC); INSERT INTO items VALUES ('A', 1);",
    );
  return project.dir;
}

async function expectNoRunRunning(dir: string) {
  const r = await runCli(['runs', 'list', '--json'], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  for (const run of r.json<{ items: { status: string }[] }>().items) expect(run.status).not.toBe('running');
}

describe('two mapping files with the same name (item 4)', () => {
  it('config check and reconcile --all refuse, naming both files', async () => {
    const dir = projectWith({ 'mappings/items-copy.yaml': mapping('items') });
    for (const args of [
      ['config', 'check'],
      ['reconcile', '--all'],
      ['reconcile', 'items'],
    ]) {
      const r = await runCli(args, { cwd: dir });
      expectBadInput(
        r,
        'Two mapping files declare the name "items"',
        path.join(dir, 'mappings', 'items-copy.yaml'),
        path.join(dir, 'mappings', 'items.yaml'),
      );
    }
    await expectNoRunRunning(dir);
  });
});

describe('a YAML alias bomb (item 10)', () => {
  it('in cutover.yaml', async () => {
    const dir = projectWith({ 'cutover.yaml': `${BOMB}\n${CONFIG}` });
    const r = await runCli(['config', 'check'], { cwd: dir });
    expectBadInput(r, 'cutover.yaml', 'aliases');
  });

  it('in a mapping', async () => {
    const dir = projectWith({ 'mappings/items.yaml': `${BOMB}\n${mapping('items')}` });
    for (const args of [
      ['config', 'check'],
      ['reconcile', 'items'],
    ]) {
      const r = await runCli(args, { cwd: dir });
      expectBadInput(r, 'items.yaml', 'aliases');
    }
  });
});

describe('reports: under a file (item 11)', () => {
  it('is exit 2 naming the folder, and no run stays running', async () => {
    const dir = projectWith({ 'cutover.yaml': `${CONFIG}reports: cutover.yaml/sub/\n` });
    const r = await runCli(['reconcile', 'items'], { cwd: dir });
    expectBadInput(r, 'The reports folder', path.join(dir, 'cutover.yaml', 'sub'), 'reports:');
    await expectNoRunRunning(dir);
  });
});

describe('config check, an event type targeting a readOnly connection (item 16)', () => {
  it('is flagged without --connect', async () => {
    const dir = projectWith({
      'mappings/events.yaml': `name: events
target: cloud
events:
  stock.counted:
    table: items
    action: upsert
    match: { sku: $.payload.sku }
    values: { qty: $.payload.qty }
  stock.legacy_fix:
    target: legacy
    table: items
    action: update
    match: { sku: $.payload.sku }
    values: { qty: $.payload.qty }
`,
    });
    const r = await runCli(['config', 'check'], { cwd: dir });
    expectBadInput(r, 'events.yaml', 'stock.legacy_fix', '"legacy"', 'readOnly');
  });
});

describe('a control store written by a newer cutover (item 17)', () => {
  it('is refused, naming the migration, and left unchanged', async () => {
    const dir = projectWith({});
    const first = await runCli(['runs', 'list'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const file = path.join(dir, '.cutover', 'control.db');
    const db = new Database(file);
    db.prepare(
      "INSERT INTO cutover_migrations (name, batch, migration_time) VALUES ('999-future-things', 9, '2030-01-01')",
    ).run();
    db.close();
    for (const args of [
      ['runs', 'list'],
      ['reconcile', 'items'],
      ['exceptions', 'list'],
    ]) {
      const r = await runCli(args, { cwd: dir });
      expectBadInput(r, 'written by a newer cutover (migration 999-future-things)', 'control.url');
    }
    const after = new Database(file, { readonly: true });
    expect(after.prepare('SELECT count(*) AS n FROM cutover_runs').get()).toEqual({ n: 0 });
    after.close();
  });
});

import path from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { itemsMapping, makeProject, sqliteDb } from '../config/project.js';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

// Issue 12 item 14: terminal control sequences in an ERP value reach the operator's terminal escaped.

let project: ReturnType<typeof makeProject> | undefined;
afterEach(() => project?.cleanup());

const KEY = 'A\x1b]0;pwned\x07\x1b[2J\x9b31m';

it('a key holding escape sequences is shown escaped by reconcile and exceptions list', async () => {
  project = makeProject({
    'cutover.yaml':
      'connections:\n  legacy: { url: "sqlite:legacy.db", readOnly: true }\n  cloud: { url: "sqlite:cloud.db" }\n',
    'mappings/items.yaml': itemsMapping(),
  });
  sqliteDb(path.join(project.dir, 'legacy.db'), 'CREATE TABLE items (sku TEXT, qty NUMERIC);');
  sqliteDb(path.join(project.dir, 'cloud.db'), 'CREATE TABLE items (sku TEXT, qty NUMERIC);');
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(path.join(project.dir, 'legacy.db'));
  db.prepare('INSERT INTO items VALUES (?, 1)').run(KEY);
  db.close();
  const r = await runCli(['reconcile', 'items'], { cwd: project.dir });
  expect(r.code, r.stderr).toBe(1);
  const list = await runCli(['exceptions', 'list'], { cwd: project.dir });
  expect(list.code, list.stderr).toBe(0);
  for (const out of [r.stdout, list.stdout]) {
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  }
  expect(list.stdout).toContain('pwned');
  // --json keeps the value itself (JSON escapes it).
  const json = await runCli(['exceptions', 'list', '--json'], { cwd: project.dir });
  expect(json.stdout).toContain('\\u001b]0;pwned');
});

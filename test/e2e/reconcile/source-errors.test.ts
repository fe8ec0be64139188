import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { createTestDatabase } from '../../helpers/pg.js';
import { expectBadInput, makeProject, sqliteDb } from '../config/project.js';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

// Issue 12 item 9: an error a source raises in the middle of a read is the user's environment: exit 2,
// one paragraph naming the connection and the fix, and the run is recorded as ended, not `running`.

let project: ReturnType<typeof makeProject> | undefined;
afterEach(() => project?.cleanup());

function mapping(legacy: string): string {
  return `name: items
domain: custom
key: [sku]
fields:
  sku: { type: string }
  qty: { type: decimal, scale: 2 }
legacy: { connection: legacy, ${legacy}, columns: { sku: sku, qty: qty } }
cloud: { connection: cloud, table: items, columns: { sku: sku, qty: qty } }
`;
}

/** A project whose legacy side is `legacyUrl` and cloud side a SQLite file with an items table. */
function projectWith(legacyUrl: string, legacySource: string) {
  project = makeProject({
    'cutover.yaml': `connections:\n  legacy: { url: "${legacyUrl}", readOnly: true }\n  cloud: { url: "sqlite:cloud.db" }\n`,
    'mappings/items.yaml': mapping(legacySource),
  });
  sqliteDb(
    path.join(project.dir, 'cloud.db'),
    "CREATE TABLE items (sku TEXT, qty NUMERIC); INSERT INTO items VALUES ('A', 1);",
  );
  return project.dir;
}

/** Reconciles, expects the bad-input contract, and checks that the run did not stay `running`. */
async function expectSourceError(dir: string, ...patterns: (string | RegExp)[]) {
  const r = await runCli(['reconcile', 'items'], { cwd: dir });
  const p = expectBadInput(r, 'Connection "legacy"', /check the mapping/i, ...patterns);
  expect(p).not.toContain('fault in cutover');
  const runs = await runCli(['runs', 'list', '--json'], { cwd: dir });
  const rows = runs.json<{ items: { status: string }[] }>().items;
  expect(rows.length).toBeGreaterThan(0);
  for (const run of rows) expect(run.status).not.toBe('running');
  return p;
}

const ROWS = "INSERT INTO items VALUES ('A', '{\"q\": 1}'), ('B', 'not json');";

describe('a source error in the middle of a read', () => {
  it('SQLite: json_extract on text that is not JSON', async () => {
    const dir = projectWith(
      'sqlite:legacy.db',
      `query: "SELECT sku, json_extract(doc, '$.q') AS qty FROM items"`,
    );
    sqliteDb(path.join(dir, 'legacy.db'), `CREATE TABLE items (sku TEXT, doc TEXT); ${ROWS}`);
    await expectSourceError(dir, 'malformed JSON');
  });

  it("SQLite: pragma_table_info('items', 'nodb')", async () => {
    const dir = projectWith(
      'sqlite:legacy.db',
      `query: "SELECT name AS sku, cid AS qty FROM pragma_table_info('items', 'nodb')"`,
    );
    sqliteDb(path.join(dir, 'legacy.db'), `CREATE TABLE items (sku TEXT, doc TEXT); ${ROWS}`);
    await expectSourceError(dir, 'nodb');
  });

  it('CSV: a record with one value too many, on its line', async () => {
    const dir = projectWith('csv:extracts', 'table: items');
    fs.mkdirSync(path.join(dir, 'extracts'));
    fs.writeFileSync(path.join(dir, 'extracts', 'items.csv'), 'sku,qty\nA,1\nB,2,5\nC,3\n');
    const r = await runCli(['reconcile', 'items'], { cwd: dir });
    expectBadInput(r, 'Connection "legacy"', 'items.csv', 'line 3');
  });

  describe('PostgreSQL', () => {
    let db: Awaited<ReturnType<typeof createTestDatabase>>;
    beforeAll(async () => {
      db = await createTestDatabase('cutover_srcerr');
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      await c.query('CREATE TABLE items (sku text, doc text)');
      await c.query(ROWS);
      await c.end();
    });
    afterAll(() => db?.drop());

    it('a cast to json of text that is not JSON', async () => {
      const dir = projectWith(db.url, `query: "SELECT sku, (doc::json ->> 'q') AS qty FROM items"`);
      await expectSourceError(dir, /json/i);
    });
  });
});

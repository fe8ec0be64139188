import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { expectBadInput, INVENTORY_SQL, inventoryMapping, makeProject, sqliteDb } from './project.js';

// Issue 12 item 15: messages that were wrong, through the built binary. Each is bad input: exit 2,
// one paragraph saying what is wrong and how to fix it, no stack trace, no raw driver text.

vi.setConfig({ testTimeout: 240_000 });

const SQLITE_CONFIG =
  'connections:\n  legacy: { url: "sqlite:legacy.db", readOnly: true }\n  cloud: { url: "sqlite:cloud.db" }\n';

let project: ReturnType<typeof makeProject>;
afterEach(() => project?.cleanup());

function sqliteProject(mapping = inventoryMapping(), config = SQLITE_CONFIG) {
  project = makeProject({ 'cutover.yaml': config, 'mappings/inventory.yaml': mapping });
  sqliteDb(path.join(project.dir, 'legacy.db'), INVENTORY_SQL.legacy);
  sqliteDb(path.join(project.dir, 'cloud.db'), INVENTORY_SQL.cloud);
  return project.dir;
}

describe('a column missing in a SQLite source', () => {
  it("names the connection, the table and the column in cutover's words, with the closest column", async () => {
    const dir = sqliteProject(
      inventoryMapping({
        legacyColumns: '{ sku: ITEMID, location: INVENTLOCATION, on_hand: PHYSICALINVENT }',
      }),
    );
    for (const args of [
      ['config', 'check', '--connect'],
      ['reconcile', 'inventory'],
    ]) {
      const r = await runCli(args, { cwd: dir });
      const p = expectBadInput(
        r,
        `Connection "legacy" (${path.join(dir, 'legacy.db')}): the table INVENTSUM has no column "INVENTLOCATION".`,
        'Did you mean "INVENTLOCATIONID"?',
      );
      // SQLite's own wording for a double-quoted name it cannot find stays out of it.
      expect(p).not.toMatch(/string literal|single-quotes|- should/);
    }
  });

  it('lists the columns when none is close, and tells a column of the where from a mapped one', async () => {
    const dir = sqliteProject(
      inventoryMapping({ legacyColumns: '{ sku: ITEMID, location: INVENTLOCATIONID, on_hand: QTY }' }),
    );
    let r = await runCli(['reconcile', 'inventory'], { cwd: dir });
    expectBadInput(
      r,
      'the table INVENTSUM has no column "QTY".',
      '(the table INVENTSUM has: ITEMID, INVENTLOCATIONID, PHYSICALINVENT, Order)',
    );
    fs.writeFileSync(
      path.join(dir, 'mappings', 'inventory.yaml'),
      inventoryMapping().replace(
        '  table: INVENTSUM\n',
        '  table: INVENTSUM\n  where: "DATAAREAID = \'usmf\'"\n',
      ),
    );
    r = await runCli(['reconcile', 'inventory'], { cwd: dir });
    const p = expectBadInput(
      r,
      `the table INVENTSUM has no column "DATAAREAID" (named in the mapping's where).`,
    );
    expect(p).not.toMatch(/string literal|single-quotes/);
  });
});

describe('a window on a field that is no date or timestamp', () => {
  it("lists the mapping's date and timestamp fields", async () => {
    const dir = sqliteProject(
      inventoryMapping({
        legacyColumns:
          '{ sku: ITEMID, location: INVENTLOCATIONID, on_hand: PHYSICALINVENT, counted_at: CNT, count_day: DAY }',
        cloudColumns:
          '{ sku: sku, location: location_code, on_hand: qty_on_hand, counted_at: counted_at, count_day: count_day }',
      }).replace(
        '  on_hand: { type: decimal, scale: 3 }\n',
        '  on_hand: { type: decimal, scale: 3 }\n  counted_at: { type: timestamp }\n  count_day: { type: date }\n',
      ) + 'window: { field: sku }\n',
    );
    const r = await runCli(['config', 'check'], { cwd: dir });
    const p = expectBadInput(
      r,
      'window.field: "sku" is a string field, but --since/--until filter on a date or timestamp.',
      'Use one of: counted_at, count_day.',
    );
    expect(p).not.toMatch(/no fields declared/);
  });

  it('says the mapping declares none, and how to add one', async () => {
    const dir = sqliteProject(inventoryMapping() + 'window: { field: sku }\n');
    const r = await runCli(['config', 'check'], { cwd: dir });
    const p = expectBadInput(
      r,
      'window.field: "sku" is a string field, but --since/--until filter on a date or timestamp.',
      'The mapping declares no date or timestamp field: declare one (like `updated_at: { type: timestamp }`',
      'or remove `window`.',
    );
    expect(p).not.toMatch(/no fields declared/);
  });

  it('an absentAsZero field that is not numeric, in a mapping with no numeric field', async () => {
    const dir = sqliteProject(
      inventoryMapping({
        legacyColumns: '{ sku: ITEMID, location: INVENTLOCATIONID, on_hand: PHYSICALINVENT }',
      })
        .replace('domain: inventory', 'domain: custom')
        .replace('on_hand: { type: decimal, scale: 3 }', 'on_hand: { type: string }') +
        'absentAsZero: [on_hand]\n',
    );
    const r = await runCli(['config', 'check'], { cwd: dir });
    const p = expectBadInput(
      r,
      'absentAsZero: "on_hand" is not a decimal or integer field.',
      'The mapping declares no decimal or integer field',
    );
    expect(p).not.toMatch(/no fields declared/);
  });
});

describe('a file that is not a SQLite database', () => {
  const GARBAGE = 'sku,location_code,qty_on_hand\nA-100,S1,10\n'.repeat(20);

  it('as a source: says so, naming the connection and the file (SQLITE_NOTADB)', async () => {
    const dir = sqliteProject();
    const file = path.join(dir, 'cloud.db');
    fs.writeFileSync(file, GARBAGE);
    for (const args of [
      ['config', 'check', '--connect'],
      ['reconcile', 'inventory'],
    ]) {
      const r = await runCli(args, { cwd: dir });
      const p = expectBadInput(
        r,
        `Connection "cloud": the file ${file} is not a SQLite database (SQLITE_NOTADB`,
        'names the SQLite database file',
      );
      expect(p).not.toMatch(/Check the table and column names|failed while asking for its version/);
      // Reported once: the mapping's table check does not run on a connection that failed.
      expect(p.match(/not a SQLite database/g)).toHaveLength(1);
    }
    // A replay target too.
    fs.writeFileSync(
      path.join(dir, 'mappings', 'events.yaml'),
      'name: events\ntarget: cloud\nevents:\n  counted:\n    table: inventory_balance\n    action: upsert\n    match: { sku: $.payload.sku, location_code: $.payload.location }\n    values: { qty_on_hand: $.payload.qty }\n',
    );
    fs.writeFileSync(
      path.join(dir, 'events.jsonl'),
      '{"id":"e1","type":"counted","key":"A","occurredAt":"2026-11-25T22:00:00Z","payload":{"sku":"A","location":"S1","qty":"1"}}\n',
    );
    const r = await runCli(['replay', '--events', 'events.jsonl'], { cwd: dir });
    expectBadInput(r, `Connection "cloud": the file ${file} is not a SQLite database (SQLITE_NOTADB`);
    expect(fs.readFileSync(file, 'utf8')).toBe(GARBAGE);
  });

  it('as the control store: says so, naming the file and control.url, and leaves the file alone', async () => {
    const dir = sqliteProject(inventoryMapping(), `${SQLITE_CONFIG}control: { url: "sqlite:notes.db" }\n`);
    const file = path.join(dir, 'notes.db');
    fs.writeFileSync(file, GARBAGE);
    for (const args of [
      ['runs', 'list'],
      ['reconcile', 'inventory'],
    ]) {
      const r = await runCli(args, { cwd: dir });
      const p = expectBadInput(
        r,
        `The control store file ${file} is not a SQLite database (SQLITE_NOTADB`,
        '`control.url`',
      );
      expect(p).not.toMatch(/Cannot open the control store/);
    }
    expect(fs.readFileSync(file, 'utf8')).toBe(GARBAGE);
  });
});

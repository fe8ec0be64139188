// reconcile --recheck (issue 19, item 4), through the binary on PostgreSQL: both sides are views
// whose every row read calls a guard that RAISES for a key outside an allowed set. With the guard
// on and the set = the open items' keys, a recheck that read any other row would fail (exit 2).
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { createPgProject, type PgProject } from '../../helpers/pg-project.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

let project: PgProject;
let dir: string;
let client: pg.Client;

const MAPPING = `name: stock
key: [sku, location]
fields:
  sku: { type: string }
  location: { type: string }
  qty: { type: decimal, scale: 2 }
legacy:
  connection: legacy
  table: legacy_stock_v
  columns: { sku: sku, location: loc, qty: qty }
cloud:
  connection: cloud
  table: cloud_stock_v
  columns: { sku: sku, location: loc, qty: qty }
`;

interface Summary {
  runId: string;
  status: string;
  counts: Record<string, number>;
  exceptions: { opened: number; updated: number; resolved: number };
  recheck?: { items: number; legacy: { pushedDown: string[]; statements: number } };
  materiality?: unknown;
}
interface Item {
  id: string;
  key: Record<string, string>;
  kind: string;
  status: string;
  resolvedByRun?: string | null;
}

const cli = (...args: string[]) => runCli(args, { cwd: dir });

async function items(): Promise<Item[]> {
  const r = await cli(
    'exceptions',
    'list',
    '--mapping',
    'stock',
    '--status',
    'open,assigned,resolved,ignored',
    '--json',
  );
  expect(r.code, r.stderr).toBe(0);
  const out = r.json<{ items: Item[] }>();
  return out.items;
}

beforeAll(async () => {
  project = await createPgProject(
    'cutover_recheck',
    `
    CREATE TABLE legacy_stock (sku text, loc text, qty numeric(12,2));
    CREATE TABLE cloud_stock (sku text, loc text, qty numeric(12,2));
    CREATE TABLE guard_on (x int);
    CREATE TABLE allowed (sku text, loc text);
    CREATE FUNCTION guard(s text, l text) RETURNS numeric LANGUAGE plpgsql STABLE AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM guard_on) AND NOT EXISTS (SELECT 1 FROM allowed a WHERE a.sku = s AND a.loc = l) THEN
        RAISE EXCEPTION 'read a key outside the recheck set: % %', s, l;
      END IF;
      RETURN 0;
    END $$;
    CREATE VIEW legacy_stock_v AS SELECT sku, loc, qty + guard(sku, loc) AS qty FROM legacy_stock;
    CREATE VIEW cloud_stock_v AS SELECT sku, loc, qty + guard(sku, loc) AS qty FROM cloud_stock;
    INSERT INTO legacy_stock VALUES ('S1','L1',10), ('S2','L1',20), ('S3','L1',30), ('S4','L1',40),
      ('S5','L1',50), ('S7','L2',70), ('O''Neil','L1',5);
    INSERT INTO cloud_stock VALUES ('S1','L1',10), ('S2','L1',21), ('S4','L1',40), ('S5','L1',55),
      ('S6','L1',60), ('S7','L2',70), ('O''Neil','L1',6);
  `,
    { stock: MAPPING },
  );
  ({ dir, client } = project);
});
afterAll(async () => project?.cleanup());

describe('reconcile --recheck', () => {
  it('reads only the open keys, resolves the fixed ones, updates the rest and touches nothing else', async () => {
    // Night 1: S2 and S5 differ, S3 is missing in the cloud, S6 in legacy, O'Neil differs.
    const first = await cli('reconcile', 'stock', '--report', 'json', '--json');
    expect(first.code, first.stderr).toBe(1);
    expect(first.json<Summary>().exceptions.opened).toBe(5);
    const open = await items();
    expect(open.map((i) => i.key.sku).sort()).toEqual(["O'Neil", 'S2', 'S3', 'S5', 'S6']);

    // The day: S2 and S3 and O'Neil are fixed; S1 breaks (not an open item: a recheck must not see it).
    await client.query(`
      UPDATE cloud_stock SET qty = 20 WHERE sku = 'S2';
      INSERT INTO cloud_stock VALUES ('S3','L1',30);
      UPDATE cloud_stock SET qty = 5 WHERE sku = 'O''Neil';
      UPDATE cloud_stock SET qty = 11 WHERE sku = 'S1';
      INSERT INTO allowed VALUES ('S2','L1'), ('S3','L1'), ('S5','L1'), ('S6','L1'), ('O''Neil','L1');
      INSERT INTO guard_on VALUES (1);
    `);
    // The guard is live: a full run now fails on the first key outside the set.
    const full = await cli('reconcile', 'stock', '--report', 'json', '--json');
    expect(full.code).toBe(2);
    expect(full.stderr).toMatch(/outside the recheck set/);

    const r = await cli('reconcile', 'stock', '--recheck', '--report', 'json', '--json');
    expect(r.code, r.stderr).toBe(1); // S5 and S6 still differ
    const s = r.json<Summary>();
    expect(s.runId).toMatch(/^rc_/);
    expect(s.counts).toEqual(expect.objectContaining({ legacy: 4, cloud: 5, matched: 3, mismatched: 1 }));
    expect(s.exceptions).toEqual(expect.objectContaining({ opened: 0, updated: 2, resolved: 3 }));
    expect(s.recheck).toEqual(
      expect.objectContaining({
        items: 5,
        legacy: expect.objectContaining({ pushedDown: ['sku', 'loc'], statements: 1 }),
      }),
    );
    expect(s.materiality).toBeUndefined();

    const after = await items();
    const byStatus = (st: string) =>
      after
        .filter((i) => i.status === st)
        .map((i) => i.key.sku)
        .sort();
    expect(byStatus('resolved')).toEqual(["O'Neil", 'S2', 'S3']);
    expect(byStatus('open')).toEqual(['S5', 'S6']);
    expect(after.some((i) => i.key.sku === 'S1')).toBe(false); // S1's new difference was not read

    // A run of its own kind.
    const runs = await cli('runs', 'list', '--command', 'recheck', '--json');
    expect(runs.code, runs.stderr).toBe(0);
    expect(JSON.stringify(runs.json())).toContain(s.runId);
    // It saw a subset: it cannot be signed off.
    const prep = await cli('signoff', 'prepare', s.runId, '--note', 'fixed', '--accept-open');
    expect(prep.code).toBe(2);
    expect(prep.stderr).toMatch(/is a recheck/);

    // The dry run shows the key-set statement, from the control store, reading no source.
    const dry = await cli('reconcile', 'stock', '--recheck', '--dry-run', '--json');
    expect(dry.code, dry.stderr).toBe(0);
    const plan = dry.json<{ legacy: { sql: string; keySet: { items: number } } }>();
    expect(plan.legacy.keySet.items).toBe(2);
    expect(plan.legacy.sql).toMatch(/WHERE \(\("sku" = E'S5' AND "loc" = E'L1'\) OR \("sku" = E'S6'/);

    // With the guard off, a full run sees S1 (the recheck left it for the nightly run).
    await client.query('DELETE FROM guard_on');
    const night2 = await cli('reconcile', 'stock', '--report', 'json', '--json');
    expect(night2.code, night2.stderr).toBe(1);
    expect(night2.json<Summary>().exceptions.opened).toBe(1);
  });

  it('refuses a window', async () => {
    const r = await cli('reconcile', 'stock', '--recheck', '--since', '2d');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--since|--recheck/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

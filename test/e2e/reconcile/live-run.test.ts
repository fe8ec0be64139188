// A live dual run (issue 15, parts 1 and 2), through the binary on PostgreSQL: the confirm pass with
// a second process writing to the cloud side between the passes, and the settle window by the
// database's own clock.
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { reconcileBetweenPasses } from './live-helpers.js';
import { createPgProject, type PgProject } from '../../helpers/pg-project.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

let project: PgProject;
let dir: string;
let client: pg.Client;

const mapping = (name: string, table: string, extra = '') => `name: ${name}
key: [sku]
fields:
  sku: { type: string }
  qty: { type: decimal, scale: 2 }
  updated_at: { type: timestamp, compare: false }
${extra}
legacy: { connection: legacy, table: legacy_${table}, columns: { sku: sku, qty: qty, updated_at: updated_at } }
cloud: { connection: cloud, table: cloud_${table}, columns: { sku: sku, qty: qty, updated_at: updated_at } }
`;

interface Summary {
  runId: string;
  status: string;
  counts: Record<string, number>;
  exceptions: Record<string, number>;
  confirm?: Record<string, unknown>;
  settle?: { skipped: { legacy: number; cloud: number }; differencesSkipped: number };
  reports: Record<string, string>;
}

const cli = (...args: string[]) => runCli(args, { cwd: dir });
const reconcileWithWrites = (args: string[], between: () => Promise<void>) =>
  reconcileBetweenPasses(dir, args, between);

beforeAll(async () => {
  project = await createPgProject(
    'cutover_live',
    `
    CREATE TABLE legacy_stock (sku text, qty numeric(12,2), updated_at timestamptz DEFAULT '2026-01-01T00:00:00Z');
    CREATE TABLE cloud_stock (sku text, qty numeric(12,2), updated_at timestamptz DEFAULT '2026-01-01T00:00:00Z');
    INSERT INTO legacy_stock (sku, qty) VALUES ('S1',10), ('S2',20), ('S3',30), ('S4',40), ('S5',50);
    INSERT INTO cloud_stock (sku, qty) VALUES ('S1',10), ('S2',21), ('S3',31), ('S4',41), ('S6',60);
    CREATE TABLE legacy_busy (sku text, qty numeric(12,2), updated_at timestamptz DEFAULT '2026-01-01T00:00:00Z');
    CREATE TABLE cloud_busy (sku text, qty numeric(12,2), updated_at timestamptz DEFAULT '2026-01-01T00:00:00Z');
    INSERT INTO legacy_busy (sku, qty) VALUES ('B1',1), ('B2',2), ('B3',3);
    INSERT INTO cloud_busy (sku, qty) VALUES ('B1',1), ('B2',9), ('B3',9);
    CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
    CREATE TABLE legacy_ci (sku text, qty numeric(12,2), updated_at timestamptz DEFAULT '2026-01-01T00:00:00Z');
    CREATE TABLE cloud_ci (sku text COLLATE ci, qty numeric(12,2), updated_at timestamptz DEFAULT '2026-01-01T00:00:00Z');
    INSERT INTO legacy_ci (sku, qty) VALUES ('a1',1), ('A1',2);
    INSERT INTO cloud_ci (sku, qty) VALUES ('a1',5), ('A1',2);
  `,
    {
      stock: mapping('stock', 'stock'),
      busy: mapping('busy', 'busy', 'settle: { field: updated_at, age: 10m }'),
      ci: mapping('ci', 'ci'),
    },
  );
  ({ dir, client } = project);
});
afterAll(async () => project?.cleanup());

describe('--confirm-after: the confirm pass', () => {
  it('counts only what is still different after the wait; in-flight differences are listed apart', async () => {
    // First pass: S2, S3, S4 differ, S5 is missing in the cloud, S6 in legacy.
    const r = await reconcileWithWrites(
      ['stock', '--confirm-after', '4s', '--report', 'json,md,xlsx', '--json'],
      async () => {
        // Between the passes: S2 and S6 settle (in flight), S3 moves again (changed), and S1 breaks —
        // not a first-pass key, so the confirm pass does not read it.
        await client.query(`
          UPDATE cloud_stock SET qty = 20 WHERE sku = 'S2';
          UPDATE cloud_stock SET qty = 32 WHERE sku = 'S3';
          DELETE FROM cloud_stock WHERE sku = 'S6';
          UPDATE cloud_stock SET qty = 11 WHERE sku = 'S1';
        `);
      },
    );
    expect(r.code, r.stderr).toBe(1);
    const s = JSON.parse(r.stdout) as Summary;
    expect(s.confirm).toEqual({ after: 'PT4S', rechecked: 5, persistent: 2, changed: 1, inFlight: 2 });
    expect(s.counts).toEqual(
      expect.objectContaining({ matched: 2, mismatched: 2, missingInCloud: 1, missingInLegacy: 0 }),
    );
    expect(s.exceptions).toEqual(expect.objectContaining({ opened: 3 }));

    const lines = fs
      .readFileSync(path.join(dir, s.reports.differences!), 'utf8')
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as { type: string; key: { sku: string }; confirm?: string; cloud?: { qty: string } },
      );
    const bySku = Object.fromEntries(lines.map((l) => [l.key.sku, l]));
    expect(Object.keys(bySku).sort()).toEqual(['S3', 'S4', 'S5']);
    expect(bySku.S3).toEqual(
      expect.objectContaining({ confirm: 'changed', cloud: expect.objectContaining({ qty: '32.00' }) }),
    );
    expect(bySku.S4!.confirm).toBe('persistent');
    expect(bySku.S5).toEqual(expect.objectContaining({ type: 'missing_in_cloud', confirm: 'persistent' }));

    const inFlight = fs
      .readFileSync(path.join(dir, s.reports['in-flight']!), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { key: { sku: string } }).key.sku)
      .sort();
    expect(inFlight).toEqual(['S2', 'S6']);

    // Listed apart in every report.
    const md = fs.readFileSync(path.join(dir, s.reports.md!), 'utf8');
    expect(md).toMatch(
      /\*\*Confirm:\*\* after PT4S: 5 key\(s\) read again; 2 persistent, 1 changed, 2 in flight/,
    );
    expect(md).toMatch(/### In flight: 2 \(not counted\)[\s\S]*\| mismatch \| S2 \|/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(path.join(dir, s.reports.xlsx!));
    const sheet = wb.getWorksheet('In flight')!;
    expect(sheet).toBeDefined();
    expect([2, 3].map((r) => String(sheet.getRow(r).getCell(2).value)).sort()).toEqual(['S2', 'S6']);

    const human = await cli('runs', 'show', s.runId);
    expect(human.stdout).toMatch(/2 persistent, 1 changed, 2 in flight/);
  });

  it('refuses a duration it cannot read, before connecting', async () => {
    const r = await cli('reconcile', 'stock', '--confirm-after', 'soon');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a duration/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('settle: the settle window', () => {
  it('leaves out keys changed within the age by the database clock, and does not resolve their items', async () => {
    // Night 1 (nothing young): B2 and B3 differ.
    const first = await cli('reconcile', 'busy', '--report', 'json', '--json');
    expect(first.code, first.stderr).toBe(1);
    expect(JSON.parse(first.stdout).settle).toEqual({
      field: 'updated_at',
      age: '10m',
      skipped: { legacy: 0, cloud: 0 },
      differencesSkipped: 0,
    });
    // B3 is being fixed right now (its cloud row changed a moment ago, by the server's clock): a
    // run must neither count it nor resolve its item; B2 still differs.
    await client.query(`UPDATE cloud_busy SET qty = 3, updated_at = now() WHERE sku = 'B3'`);
    const r = await cli('reconcile', 'busy', '--report', 'json', '--json');
    expect(r.code, r.stderr).toBe(1);
    const s = JSON.parse(r.stdout) as Summary;
    expect(s.settle).toEqual(
      expect.objectContaining({ skipped: { legacy: 0, cloud: 1 }, differencesSkipped: 0 }),
    );
    expect(s.counts.mismatched).toBe(1);
    expect(s.exceptions.resolved).toBe(0); // B3's item waits: the run did not look at it

    // Leaving B3 differing and young: its difference is skipped and counted as such.
    await client.query(`UPDATE cloud_busy SET qty = 7, updated_at = now() WHERE sku = 'B3'`);
    const again = JSON.parse(
      (await cli('reconcile', 'busy', '--report', 'json', '--json')).stdout,
    ) as Summary;
    expect(again.settle).toEqual(expect.objectContaining({ differencesSkipped: 1 }));
    expect(again.counts.mismatched).toBe(1);

    // --settle 0s looks at everything again: B3 differs, its item is updated.
    const all = JSON.parse(
      (await cli('reconcile', 'busy', '--settle', '0s', '--report', 'json', '--json')).stdout,
    ) as Summary;
    expect(all.counts.mismatched).toBe(2);
  });
});

describe('key-set reads under a case-insensitive, nondeterministic collation', () => {
  it('a key set that the source answers with more rows (a1 brings A1) stays exact: recheck and confirm pass', async () => {
    // Night 1: a1 differs; A1 agrees.
    const first = await cli('reconcile', 'ci', '--report', 'json', '--json');
    expect(first.code, first.stderr).toBe(1);
    expect(JSON.parse(first.stdout).exceptions.opened).toBe(1);
    // A1 leaves the legacy side. On the cloud side `sku IN ('a1')` also returns A1 (the collation
    // calls them equal): a recheck of a1 must neither see nor open A1 (the exact filter after).
    await client.query(`DELETE FROM legacy_ci WHERE sku = 'A1'`);
    const r = await cli('reconcile', 'ci', '--recheck', '--report', 'json', '--json');
    expect(r.code, r.stderr).toBe(1);
    const s = JSON.parse(r.stdout) as Summary & { recheck: { cloud: { pushedDown: string[] } } };
    expect(s.recheck.cloud.pushedDown).toEqual(['sku']);
    expect(s.counts).toEqual(
      expect.objectContaining({ legacy: 1, cloud: 1, mismatched: 1, missingInLegacy: 0 }),
    );
    expect(s.exceptions).toEqual(expect.objectContaining({ opened: 0, updated: 1, resolved: 0 }));

    // The confirm pass of a full run: a1 (mismatch) and A1 (missing in legacy) both persist, once each.
    const c = await cli('reconcile', 'ci', '--confirm-after', '1s', '--report', 'json', '--json');
    expect(c.code, c.stderr).toBe(1);
    const cs = JSON.parse(c.stdout) as Summary;
    expect(cs.confirm).toEqual(
      expect.objectContaining({ rechecked: 2, persistent: 2, changed: 0, inFlight: 0 }),
    );
    expect(cs.counts).toEqual(expect.objectContaining({ mismatched: 1, missingInLegacy: 1 }));
  });
});

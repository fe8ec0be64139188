// Sign-off (issue 19, items 1, 5, 6): a mapping's materiality and --fail-on, --max-differences and
// --dry-run, through the binary on a copy of examples/quickstart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ROOT, runCli } from '../../helpers/cli.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

let dir: string;
const mappingFile = () => path.join(dir, 'mappings', 'inventory.yaml');
const quickstartMapping = fs.readFileSync(
  path.join(ROOT, 'examples', 'quickstart', 'mappings', 'inventory.yaml'),
  'utf8',
);

/**
 * The quickstart mapping with one control total (on hand, legacy 204.000) and `extra` appended.
 * The cloud's A-102 holds 35.49 instead of 36: the one difference, 0.510 = 0.0025 × 204 exactly.
 */
function mapping(extra = ''): string {
  const totals = quickstartMapping.indexOf('totals:');
  // Without `domain: inventory`, whose own totals (by location, inventory value) would be judged too.
  const head = quickstartMapping.slice(0, totals).replace('domain: inventory\n', '');
  return `${head}totals:\n  - { sum: [on_hand] }\n${extra}\n`;
}

interface Summary {
  status: string;
  counts: Record<string, number>;
  materiality?: { amount?: string; share?: string; absDifference: string; material: boolean };
  exceptions?: Record<string, number>;
  stopped?: { maxDifferences: number };
  reports: Record<string, string>;
}

async function reconcile(extra: string, ...flags: string[]) {
  fs.writeFileSync(mappingFile(), mapping(extra));
  return runCli(['reconcile', 'inventory', '--report', 'json', '--json', ...flags], { cwd: dir });
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-signoff-'));
  fs.cpSync(path.join(ROOT, 'examples', 'quickstart'), dir, {
    recursive: true,
    filter: (src) => !/[\\/](\.cutover|reports)$/.test(src),
  });
  const db = new Database(path.join(dir, 'cloud.db'));
  db.prepare("UPDATE inventory_balance SET qty_on_hand = '35.49' WHERE sku = 'A-102'").run();
  db.close();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('materiality and --fail-on', () => {
  it('an amount bound is inclusive and exact: 0.51 passes, 0.509 does not', async () => {
    const within = await reconcile('materiality: { amount: "0.51" }', '--fail-on', 'material');
    expect(within.code, within.stderr).toBe(0);
    const s = within.json<Summary>();
    expect(s.status).toBe('differences');
    expect(s.counts.mismatched).toBe(1);
    expect(s.materiality).toEqual(
      expect.objectContaining({ amount: '0.51', absDifference: '0.510', material: false }),
    );

    // The default --fail-on any: the same immaterial run still exits 1.
    expect((await reconcile('materiality: { amount: "0.51" }')).code).toBe(1);

    const above = await reconcile('materiality: { amount: "0.509" }', '--fail-on', 'material');
    expect(above.code, above.stderr).toBe(1);
    expect(above.json<Summary>().materiality).toEqual(
      expect.objectContaining({ amount: '0.509', absDifference: '0.510', material: true }),
    );
  });

  it('a share bound is a share of the legacy total, inclusive and exact: 0.0025 passes, 0.0024999 does not', async () => {
    const within = await reconcile('materiality: { share: "0.0025" }', '--fail-on', 'material');
    expect(within.code, within.stderr).toBe(0);
    expect(within.json<Summary>().materiality).toEqual(
      expect.objectContaining({ share: '0.0025', absDifference: '0.510', material: false }),
    );
    const above = await reconcile('materiality: { share: "0.0024999" }', '--fail-on', 'material');
    expect(above.code, above.stderr).toBe(1);
    expect(above.json<Summary>().materiality?.material).toBe(true);
    // Both bounds: the run must be within each.
    const both = await reconcile(
      'materiality: { amount: "1000", share: "0.0024999" }',
      '--fail-on',
      'material',
    );
    expect(both.code).toBe(1);
  });

  it('the Markdown report says "within materiality" with the figures, beside the differences', async () => {
    const r = await reconcile('materiality: { amount: "0.51" }', '--report', 'md');
    expect(r.code).toBe(1);
    const md = fs.readFileSync(path.join(dir, r.json<Summary>().reports.md!), 'utf8');
    expect(md).toMatch(/within materiality: absolute difference 0\.51\b.*amount 0\.51/);
    expect(md).not.toMatch(/NOT within materiality/);
    expect(md).toMatch(/\| 2 \| 1 \| 0 \| 0 \| 0 \|/); // the counts are still there
    const out = await reconcile('materiality: { amount: "0.509" }', '--report', 'md');
    expect(fs.readFileSync(path.join(dir, out.json<Summary>().reports.md!), 'utf8')).toMatch(
      /NOT within materiality: absolute difference 0\.51\b/,
    );
  });

  it('refuses a bad bound and a mapping with no control total', async () => {
    const bad = await reconcile('materiality: { amount: "-5" }');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/materiality\.amount/);
    const none = await reconcile('materiality: {}');
    expect(none.code).toBe(2);
    fs.writeFileSync(
      mappingFile(),
      quickstartMapping.slice(0, quickstartMapping.indexOf('totals:')).replace('domain: inventory\n', '') +
        'materiality: { amount: "1" }\n',
    );
    const noTotals = await runCli(['reconcile', 'inventory', '--json'], { cwd: dir });
    expect(noTotals.code).toBe(2);
    expect(noTotals.stdout + noTotals.stderr).toMatch(/control totals/);
  });
});

describe('--max-differences', () => {
  it('stops at N differences: status stopped, exit 1, said on stderr, the queue left alone', async () => {
    fs.writeFileSync(
      path.join(dir, 'cloud-extra.sql'),
      "INSERT INTO inventory_balance VALUES ('Z-1', 'DC-EAST', 1, 1, '2026-11-26 02:00:00'), ('Z-2', 'DC-EAST', 1, 1, '2026-11-26 02:00:00');",
    );
    const db = new Database(path.join(dir, 'cloud.db'));
    db.exec(fs.readFileSync(path.join(dir, 'cloud-extra.sql'), 'utf8'));
    db.close();
    const r = await reconcile('', '--max-differences', '2', '--fail-on', 'material');
    expect(r.code, r.stderr).toBe(1);
    const s = r.json<Summary>();
    expect(s.status).toBe('stopped');
    expect(s.stopped).toEqual({ maxDifferences: 2 });
    expect(s.exceptions).toEqual({ opened: 0, updated: 0, resolved: 0 });
    expect(r.stderr).toMatch(/stopped at --max-differences 2/);
    const lines = fs.readFileSync(
      path.join(dir, 'reports', (s as unknown as { runId: string }).runId, 'differences.jsonl'),
      'utf8',
    );
    expect(lines.trim().split('\n')).toHaveLength(2);

    // Reaching N stops the run, even at its last difference; without the limit it is complete.
    const full = await reconcile('', '--max-differences', '3');
    expect(full.json<Summary>().status).toBe('stopped');
    const all = await reconcile('');
    expect(all.json<Summary>().status).toBe('differences');
    // The stopped runs left the queue alone: this run opens the two new items (A-102's is older).
    expect(all.json<Summary>().exceptions).toMatchObject({ opened: 2, updated: 1 });
  });
});

describe('--dry-run', () => {
  it('prints each side’s SQL against unreachable servers, connecting to nothing, exit 0', async () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-dryrun-'));
    try {
      fs.mkdirSync(path.join(project, 'mappings'));
      fs.writeFileSync(
        path.join(project, 'cutover.yaml'),
        `connections:
  legacy: { url: "postgres://u@127.0.0.1:1/x", readOnly: true }
  cloud: { url: "mysql://u@127.0.0.1:1/x" }
control: { url: "sqlite:.cutover/control.db" }
mappings: mappings/
reports: reports/
`,
      );
      fs.writeFileSync(path.join(project, 'mappings', 'inventory.yaml'), quickstartMapping);
      const started = Date.now();
      const text = await runCli(['reconcile', 'inventory', '--dry-run', '--since', '2026-11-20'], {
        cwd: project,
      });
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain(
        `COPY (SELECT "ITEMID", "INVENTLOCATIONID", "PHYSICALINVENT", "COSTPRICE", "MODIFIEDDATETIME" FROM "INVENTSUM" WHERE "MODIFIEDDATETIME" >= '2026-11-19 19:00:00-05:00') TO STDOUT`,
      );
      expect(text.stdout).toContain(
        'SELECT `sku`, `location_code`, `qty_on_hand`, `unit_cost`, `updated_at` FROM `inventory_balance` WHERE `updated_at` >= ?',
      );
      expect(text.stdout).toContain('"2026-11-20 00:00:00"');

      const json = await runCli(['reconcile', 'inventory', '--dry-run', '--since', '2026-11-20', '--json'], {
        cwd: project,
      });
      expect(json.code, json.stderr).toBe(0);
      const d = json.json<{
        status: string;
        legacy: { dialect: string; sql: string; params: unknown[] };
        cloud: { dialect: string; sql: string; params: unknown[] };
      }>();
      expect(d.status).toBe('dry-run');
      expect(d.legacy).toMatchObject({ dialect: 'postgres', params: [] });
      expect(d.legacy.sql).toMatch(/^COPY \(SELECT .* FROM "INVENTSUM" WHERE .*\) TO STDOUT$/);
      expect(d.cloud).toMatchObject({ dialect: 'mysql', params: ['2026-11-20 00:00:00'] });
      expect(d.cloud.sql).toMatch(/^SELECT .* FROM `inventory_balance` WHERE `updated_at` >= \?$/);
      // Nothing was opened: no control store, and no time spent waiting on a port.
      expect(fs.existsSync(path.join(project, '.cutover'))).toBe(false);
      expect(Date.now() - started).toBeLessThan(60_000);
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  });
});

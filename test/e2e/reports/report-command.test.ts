import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { createRun } from '../../../src/store/runs.js';
import { manyMismatches, sampleDiffs, storeRun, tempStore } from '../../unit/reports/report-fixture.js';

// Needs dist/ (npx tsc -p tsconfig.build.json): runs the real binary.
describe('cutover report RUN', () => {
  let ctx: Awaited<ReturnType<typeof tempStore>>;
  let runId: string;
  let bigRun: string;
  beforeAll(async () => {
    ctx = await tempStore();
    ({ runId } = await storeRun(ctx.store, sampleDiffs()));
    ({ runId: bigRun } = await storeRun(ctx.store, manyMismatches(120), { name: 'inventory_big' }));
    fs.writeFileSync(path.join(ctx.dir, 'legacy.db'), '');
    fs.mkdirSync(path.join(ctx.dir, 'mappings'));
    // The run's mapping, for labels and scales (the big run's mapping "inventory_big" does not exist).
    fs.writeFileSync(
      path.join(ctx.dir, 'mappings', 'inventory.yaml'),
      [
        'name: inventory',
        'domain: inventory',
        'key: [sku, location]',
        'fields:',
        '  sku: { type: string }',
        '  location: { type: string }',
        '  on_hand: { type: decimal, scale: 3, label: On hand }',
        'legacy: { connection: legacy, table: inv, columns: { sku: sku, location: loc, on_hand: qty } }',
        'cloud: { connection: cloud, table: inv, columns: { sku: sku, location: loc, on_hand: qty } }',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(
      path.join(ctx.dir, 'cutover.yaml'),
      [
        'connections:',
        '  legacy: { url: "sqlite:./legacy.db" }',
        '  cloud: { url: "sqlite:./legacy.db" }',
        'control: { url: "sqlite:./control.db" }',
        'report: { xlsxDetailRowCap: 50 }',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => ctx.cleanup());

  it('--format md --out FILE writes the Markdown report of a stored run', async () => {
    const out = path.join(ctx.dir, 'out', 'run.md');
    const res = await runCli(['report', runId, '--format', 'md', '--out', out], { cwd: ctx.dir });
    expect(res.stderr).not.toMatch(/Error/);
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toBe(`Wrote ${out}`);
    const md = fs.readFileSync(out, 'utf8');
    expect(md).toMatch(/^## ❌ FAIL — reconciliation inventory/);
    expect(md).toContain('| mismatch | A-100 / DC-EAST | On hand | 10.000 | 9.000 | -1.000 |');
    expect(md).toContain('### First 5 of 5 differences');
  });

  it('writes a capped workbook to reports/<RUN>/ with the complete detail beside it (--json)', async () => {
    const res = await runCli(['report', bigRun, '--json'], { cwd: ctx.dir });
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/mapping \W*inventory_big\W* could not be loaded/);
    const dir = path.join(ctx.dir, 'reports', bigRun);
    expect(res.json()).toMatchObject({
      runId: bigRun,
      format: 'xlsx',
      path: path.join(dir, 'reconciliation.xlsx'),
      also: { csv: path.join(dir, 'differences.csv') },
    });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(path.join(dir, 'reconciliation.xlsx'));
    expect(wb.getWorksheet('Mismatches')!.rowCount).toBe(51);
    expect(fs.readFileSync(path.join(dir, 'differences.csv'), 'utf8').trimEnd().split('\r\n')).toHaveLength(121);
  });

  it('an unknown run is exit 2 with the recent reconcile runs named (never a replay or rollback run)', async () => {
    const replay = await createRun(ctx.store, { prefix: 'p', command: 'replay', name: 'events' });
    const res = await runCli(['report', 'r_nope'], { cwd: ctx.dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/There is no reconcile run "r_nope"/);
    expect(res.stderr).toContain(runId);
    expect(res.stderr).not.toContain(replay);
    expect(res.stderr).toContain('`cutover runs list --command reconcile` shows them all');
  });
});

// Certification (issue 19, item 2): `signoff prepare|approve|reject|list` through the binary on a copy
// of examples/quickstart: segregation of duties, notes on open material items, rejection reasons,
// superseding after a run whose figures moved, autoPrepare, and where it shows (runs list, workbook).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ROOT, runCli } from '../../helpers/cli.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const quickstartMapping = fs.readFileSync(
  path.join(ROOT, 'examples', 'quickstart', 'mappings', 'inventory.yaml'),
  'utf8',
);
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/**
 * A copy of the quickstart with one control total (on hand) and the given materiality. Its one
 * difference: A-102 at DC-WEST, 36 in legacy and 35 in the cloud (absolute difference 1.000).
 */
function project(materiality: string, config = ''): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-certify-'));
  dirs.push(dir);
  fs.cpSync(path.join(ROOT, 'examples', 'quickstart'), dir, {
    recursive: true,
    filter: (src) => !/[\\/](\.cutover|reports)$/.test(src),
  });
  const head = quickstartMapping
    .slice(0, quickstartMapping.indexOf('totals:'))
    .replace('domain: inventory\n', '');
  fs.writeFileSync(
    path.join(dir, 'mappings', 'inventory.yaml'),
    `${head}totals:\n  - { sum: [on_hand] }\n${materiality}\n`,
  );
  if (config) fs.appendFileSync(path.join(dir, 'cutover.yaml'), `\n${config}\n`);
  return dir;
}

const as = (user: string) => ({ CUTOVER_USER: user });

async function reconcile(dir: string, formats = 'json'): Promise<string> {
  const r = await runCli(['reconcile', 'inventory', '--report', formats, '--json'], { cwd: dir });
  expect([0, 1], r.stderr).toContain(r.code);
  return r.json<{ runId: string }>().runId;
}

interface Item {
  runId: string;
  status: string;
  preparer: string;
  reviewer: string | null;
  reason: string | null;
  acceptedOpen: boolean;
  supersededBy: string | null;
  history: { who: string; action: string; note: string | null; reason: string | null; detail: unknown }[];
}

async function signoffs(dir: string): Promise<Item[]> {
  const r = await runCli(['signoff', 'list', '--json'], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return r.json<{ items: Item[] }>().items;
}

async function runSignoff(dir: string, runId: string): Promise<string | null> {
  const r = await runCli(['runs', 'list', '--json'], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return r.json<{ items: { id: string; signoff: string | null }[] }>().items.find((i) => i.id === runId)!
    .signoff;
}

describe('prepare and approve', () => {
  it('the preparer cannot approve (exit 2, no stack trace); another person can', async () => {
    const dir = project('materiality: { amount: "5" }');
    const run = await reconcile(dir);
    const prep = await runCli(['signoff', 'prepare', run, '--note', 'within materiality'], {
      cwd: dir,
      env: as('alice'),
    });
    expect(prep.code, prep.stderr).toBe(0);
    expect(prep.stdout).toMatch(/Prepared run .* alice/);

    const self = await runCli(['signoff', 'approve', run, '--note', 'looks fine'], {
      cwd: dir,
      env: as('alice'),
    });
    expect(self.code).toBe(2);
    expect(self.stderr).toMatch(
      new RegExp(`Segregation of duties: alice prepared run ${run}; another person must approve it`),
    );
    expect(self.stderr).not.toMatch(/\bat .*\.js:\d+/);
    // Case and spaces do not make another person.
    const shouted = await runCli(['signoff', 'approve', run, '--note', 'x'], {
      cwd: dir,
      env: as(' ALICE '),
    });
    expect(shouted.code).toBe(2);

    const ok = await runCli(['signoff', 'approve', run, '--note', 'checked the totals', '--json'], {
      cwd: dir,
      env: as('bob'),
    });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.json<{ signoff: Item }>().signoff).toMatchObject({
      status: 'approved',
      preparer: 'alice',
      reviewer: 'bob',
    });

    const [item] = await signoffs(dir);
    expect(item).toMatchObject({ runId: run, status: 'approved', preparer: 'alice', reviewer: 'bob' });
    expect(item!.history.map((h) => [h.who, h.action, h.note])).toEqual([
      ['alice', 'prepare', 'within materiality'],
      ['bob', 'approve', 'checked the totals'],
    ]);
    const human = await runCli(['signoff', 'list'], { cwd: dir });
    expect(human.stdout).toMatch(new RegExp(`${run}\\s+inventory\\s+approved\\s+alice\\s.*bob`));
    expect(await runSignoff(dir, run)).toBe('approved');

    // Approved once: neither approved again nor prepared again.
    expect(
      (await runCli(['signoff', 'approve', run, '--note', 'x'], { cwd: dir, env: as('carol') })).code,
    ).toBe(2);
    const again = await runCli(['signoff', 'prepare', run, '--note', 'x'], { cwd: dir, env: as('carol') });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already approved by bob/);
  });

  it('another Unicode spelling of the preparer is the same person (NFC, invisible characters)', async () => {
    const dir = project('materiality: { amount: "5" }');
    const run = await reconcile(dir);
    const prep = await runCli(['signoff', 'prepare', run, '--note', 'ok'], {
      cwd: dir,
      env: as('Jos\u00e9'),
    });
    expect(prep.code, prep.stderr).toBe(0);
    for (const other of ['Jose\u0301', 'Jos\u00e9\u200b', '\ufeffJOS\u00c9']) {
      const self = await runCli(['signoff', 'approve', run, '--note', 'x'], { cwd: dir, env: as(other) });
      expect(self.code, other).toBe(2);
      expect(self.stderr).toMatch(/Segregation of duties: José prepared run/);
    }
    expect(await runSignoff(dir, run)).toBe('prepared');
  });

  it('a material run needs a note per open material item, or --accept-open', async () => {
    const dir = project('materiality: { amount: "0.5" }');
    const run = await reconcile(dir);
    const bare = await runCli(['signoff', 'prepare', run, '--note', 'in transit'], {
      cwd: dir,
      env: as('alice'),
    });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/is material and has 1 open material item without a note: X-000001/);
    const wrong = await runCli(['signoff', 'prepare', run, '--note', 'x', '--item-note', 'X-000099=why'], {
      cwd: dir,
      env: as('alice'),
    });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/X-000099, which is not an open material item/);

    const noted = await runCli(
      [
        'signoff',
        'prepare',
        run,
        '--note',
        'one receipt in transit',
        '--item-note',
        'X-000001=receipt posted 27 Nov',
        '--json',
      ],
      { cwd: dir, env: as('alice') },
    );
    expect(noted.code, noted.stderr).toBe(0);
    expect(noted.json<{ openItems: string[] }>().openItems).toEqual(['X-000001']);
    const [item] = await signoffs(dir);
    expect(item!.acceptedOpen).toBe(false);
    expect(item!.history[0]!.detail).toMatchObject({
      material: true,
      itemNotes: { 'X-000001': 'receipt posted 27 Nov' },
    });
  });

  it('--accept-open prepares a material run, recorded as such', async () => {
    const dir = project('materiality: { amount: "0.5" }');
    const run = await reconcile(dir);
    const r = await runCli(['signoff', 'prepare', run, '--note', 'accepted', '--accept-open'], {
      cwd: dir,
      env: as('alice'),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/X-000001\) accepted open/);
    const [item] = await signoffs(dir);
    expect(item).toMatchObject({ status: 'prepared', acceptedOpen: true });
    expect(item!.history[0]!.detail).toMatchObject({ acceptedOpen: ['X-000001'] });
  });

  it('a reviewer rejects with a reason code; the run can be prepared again', async () => {
    const dir = project('materiality: { amount: "5" }');
    const run = await reconcile(dir);
    expect(
      (await runCli(['signoff', 'prepare', run, '--note', 'ok'], { cwd: dir, env: as('alice') })).code,
    ).toBe(0);
    const badReason = await runCli(['signoff', 'reject', run, '--reason', 'nope', '--note', 'x'], {
      cwd: dir,
      env: as('bob'),
    });
    expect(badReason.code).toBe(2);
    expect(badReason.stderr).toMatch(/data-not-fixed/);
    const rej = await runCli(
      ['signoff', 'reject', run, '--reason', 'data-not-fixed', '--note', 'fix A-102 first'],
      {
        cwd: dir,
        env: as('bob'),
      },
    );
    expect(rej.code, rej.stderr).toBe(0);
    expect(await runSignoff(dir, run)).toBe('rejected');
    // Rejected: approving it is refused until it is prepared again.
    expect(
      (await runCli(['signoff', 'approve', run, '--note', 'x'], { cwd: dir, env: as('bob') })).code,
    ).toBe(2);
    expect(
      (await runCli(['signoff', 'prepare', run, '--note', 'fixed'], { cwd: dir, env: as('alice') })).code,
    ).toBe(0);
    const items = await signoffs(dir);
    expect(items.map((i) => [i.status, i.reason])).toEqual([
      ['prepared', null],
      ['rejected', 'data-not-fixed'],
    ]);
    expect(items[1]!.history.map((h) => [h.action, h.reason])).toEqual([
      ['prepare', null],
      ['reject', 'data-not-fixed'],
    ]);
  });

  it('refuses a stopped run and an unknown one', async () => {
    const dir = project('materiality: { amount: "5" }');
    const stopped = await runCli(['reconcile', 'inventory', '--max-differences', '1', '--json'], {
      cwd: dir,
    });
    const run = stopped.json<{ runId: string }>().runId;
    const r = await runCli(['signoff', 'prepare', run, '--note', 'x'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is stopped: only a completed reconcile run/);
    expect((await runCli(['signoff', 'prepare', 'r_nope', '--note', 'x'], { cwd: dir })).code).toBe(2);
  });
});

describe('superseding', () => {
  it('a later run whose figures moved beyond materiality supersedes the certification', async () => {
    const dir = project('materiality: { amount: "5" }');
    const run1 = await reconcile(dir);
    expect(
      (await runCli(['signoff', 'prepare', run1, '--note', 'ok'], { cwd: dir, env: as('alice') })).code,
    ).toBe(0);
    expect(
      (await runCli(['signoff', 'approve', run1, '--note', 'ok'], { cwd: dir, env: as('bob') })).code,
    ).toBe(0);

    // The same figures again: the certification stands.
    const same = await reconcile(dir);
    expect((await signoffs(dir))[0]!.status).toBe('approved');
    expect(await runSignoff(dir, same)).toBeNull();

    // The cloud loses 10 more of A-101: absolute difference 11.000, NOT within materiality.
    const db = new Database(path.join(dir, 'cloud.db'));
    db.prepare(
      "UPDATE inventory_balance SET qty_on_hand = qty_on_hand - 10 WHERE sku = 'A-101' AND location_code = 'DC-EAST'",
    ).run();
    db.close();
    const run2 = await reconcile(dir, 'json,xlsx');

    const [item] = await signoffs(dir);
    expect(item).toMatchObject({ runId: run1, status: 'superseded', supersededBy: run2, reviewer: 'bob' });
    expect(item!.history.at(-1)).toMatchObject({ action: 'supersede' });
    expect(item!.history.at(-1)!.note).toMatch(
      new RegExp(`superseded by run ${run2}: .*NOT within materiality`),
    );
    expect(await runSignoff(dir, run1)).toBe('superseded');
    const human = await runCli(['runs', 'list'], { cwd: dir });
    expect(human.stdout).toMatch(/SIGNOFF/);
    expect(human.stdout).toMatch(
      new RegExp(`${run1}\\s+reconcile\\s+inventory\\s+differences\\s+superseded`),
    );
    const list = await runCli(['signoff', 'list', '--status', 'superseded'], { cwd: dir });
    expect(list.stdout).toMatch(new RegExp(`${run1}.*superseded.*${run2}`));

    // The workbook of run 2 says so on its Summary sheet.
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(path.join(dir, 'reports', run2, 'reconciliation.xlsx'));
    const ws = wb.getWorksheet('Summary')!;
    const rows: string[][] = [];
    ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1).map((v) => String(v ?? ''))));
    const line = rows.find((r) => r[0] === 'Sign-off');
    expect(line?.[1]).toMatch(
      new RegExp(`^SUPERSEDED: run ${run1}, prepared by alice .*approved by bob .*superseded by this run`),
    );

    // A superseded run cannot be prepared again; the later run can.
    const again = await runCli(['signoff', 'prepare', run1, '--note', 'x'], { cwd: dir, env: as('alice') });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/superseded/);
    const later = await runCli(['signoff', 'prepare', run2, '--note', 'x', '--accept-open'], {
      cwd: dir,
      env: as('alice'),
    });
    expect(later.code, later.stderr).toBe(0);
  });
});

describe('autoPrepare', () => {
  it('an immaterial run is prepared by "cutover (auto)"; a person approves it', async () => {
    const dir = project('materiality: { amount: "5" }', 'signoff: { autoPrepare: immaterial }');
    const run = await reconcile(dir);
    const [item] = await signoffs(dir);
    expect(item).toMatchObject({ runId: run, status: 'prepared', preparer: 'cutover (auto)' });
    expect(item!.history.map((h) => h.action)).toEqual(['auto-prepare']);
    expect(await runSignoff(dir, run)).toBe('prepared');
    const ok = await runCli(['signoff', 'approve', run, '--note', 'ok'], { cwd: dir, env: as('bob') });
    expect(ok.code, ok.stderr).toBe(0);

    // A material run is not auto-prepared (and supersedes the approved one).
    fs.writeFileSync(
      path.join(dir, 'mappings', 'inventory.yaml'),
      fs
        .readFileSync(path.join(dir, 'mappings', 'inventory.yaml'), 'utf8')
        .replace('amount: "5"', 'amount: "0.5"'),
    );
    const material = await reconcile(dir);
    expect(await runSignoff(dir, material)).toBeNull();
    expect(await runSignoff(dir, run)).toBe('superseded');
  });

  it('refuses an unknown autoPrepare value in cutover.yaml', async () => {
    const dir = project('', 'signoff: { autoPrepare: always }');
    const r = await runCli(['signoff', 'list'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/signoff\.autoPrepare/);
  });
});

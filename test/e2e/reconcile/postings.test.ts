import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { fmt, makeProject, readDifferences, summarySchema } from './fixture.js';

// Each test runs the real binary several times; on a loaded 2-core machine a run can take seconds.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

const MAPPING = `name: gl
domain: postings
key: [journal, line]
fields:
  journal:      { type: string }
  line:         { type: integer }
  account:      { type: string }
  posting_date: { type: date }
  amount:       { type: decimal, scale: 2 }
legacy:
  connection: legacy
  table: BSEG
  columns:
    journal: BELNR
    line: BUZEI
    account: HKONT
    posting_date: BUDAT
    amount: { column: DMBTR, signFrom: { column: SHKZG, negative: H } }
cloud:
  connection: cloud
  table: gl_lines
  columns: { journal: journal, line: line, account: account, posting_date: posting_date, amount: amount }
`;

describe('cutover reconcile, postings domain (SAP-style D/C indicator vs signed amounts)', () => {
  let dir: string;
  // Journal i: debit 1000, credit 4000, i × 10.25. Planted: the cloud credits J05 one cent short;
  // the legacy flags J07's credit line as a debit (S instead of H).
  const amountOf = (i: number) => BigInt(i) * 1025n;
  beforeAll(() => {
    dir = makeProject({ legacy: 'sqlite:./legacy.db', cloud: 'sqlite:./cloud.db' }, { gl: MAPPING });
    const l = new Database(path.join(dir, 'legacy.db'));
    l.exec('CREATE TABLE BSEG (BELNR TEXT, BUZEI INTEGER, HKONT TEXT, BUDAT TEXT, DMBTR TEXT, SHKZG TEXT)');
    const c = new Database(path.join(dir, 'cloud.db'));
    c.exec(
      'CREATE TABLE gl_lines (journal TEXT, line INTEGER, account TEXT, posting_date TEXT, amount TEXT)',
    );
    const li = l.prepare('INSERT INTO BSEG VALUES (?, ?, ?, ?, ?, ?)');
    const ci = c.prepare('INSERT INTO gl_lines VALUES (?, ?, ?, ?, ?)');
    for (let i = 1; i <= 20; i++) {
      const j = `J${String(i).padStart(2, '0')}`;
      const day = i <= 10 ? '2026-11-2' + (i % 10) : '2026-12-0' + ((i % 9) + 1);
      const a = fmt(amountOf(i), 2);
      li.run(j, 1, '1000', day, a, 'S');
      li.run(j, 2, '4000', day, a, i === 7 ? 'S' : 'H');
      ci.run(j, 1, '1000', day, a);
      ci.run(j, 2, '4000', day, i === 5 ? fmt(-amountOf(i) + 1n, 2) : `-${a}`);
    }
    l.close();
    c.close();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reports each unbalanced journal on its side, the line mismatches and the trial balance', async () => {
    const res = await runCli(['reconcile', 'gl', '--json'], { cwd: dir });
    expect(res.stderr).not.toMatch(/^Error:/m);
    expect(res.code).toBe(1);
    const s = summarySchema.parse(res.json());
    expect(s.counts).toEqual({
      legacy: 40,
      cloud: 40,
      matched: 38,
      mismatched: 2,
      missingInCloud: 0,
      missingInLegacy: 0,
      duplicateKeys: 0,
      unbalancedJournals: 2,
    });
    expect(s.fieldMismatches).toEqual({ amount: 2 });
    expect(s.checks).toEqual({
      journals: { legacy: 20, cloud: 20 },
      unbalancedJournals: { legacy: 1, cloud: 1 },
    });

    const unbalanced = readDifferences(dir, s.runId).filter((d) => d.type === 'unbalanced_journal');
    expect(unbalanced).toEqual([
      {
        type: 'unbalanced_journal',
        key: { journal: 'J07' },
        side: 'legacy',
        balance: { debit: '143.50', credit: '0.00', difference: '143.50' },
      },
      {
        type: 'unbalanced_journal',
        key: { journal: 'J05' },
        side: 'cloud',
        balance: { debit: '51.25', credit: '51.24', difference: '0.01' },
      },
    ]);

    // Trial balance of account 4000 in November: J01..J10 credits (J07 a debit on legacy; J05 a cent short in the cloud).
    const nov = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(amountOf);
    const legacy4000 = -nov.reduce((a, b) => a + b, 0n) + 2n * amountOf(7);
    const cloud4000 = -nov.reduce((a, b) => a + b, 0n) + 1n;
    expect(
      s.totals.find(
        (t) => t.group === 'trial balance' && t.by.account === '4000' && t.by.period === '2026-11',
      ),
    ).toEqual({
      group: 'trial balance',
      by: { account: '4000', period: '2026-11' },
      field: 'balance',
      legacy: fmt(legacy4000, 2),
      cloud: fmt(cloud4000, 2),
      difference: fmt(cloud4000 - legacy4000, 2),
      scale: 2,
    });
    expect(s.totals.filter((t) => t.group === 'trial balance')).toHaveLength(4);

    // Unbalanced journals are stored like any difference, keyed by journal.
    const db = new Database(path.join(dir, '.cutover', 'control.db'), { readonly: true });
    const keys = db
      .prepare(
        "SELECT key_text FROM cutover_differences WHERE run_id = ? AND type = 'unbalanced_journal' ORDER BY seq",
      )
      .all(s.runId) as { key_text: string }[];
    db.close();
    expect(keys.map((k) => k.key_text)).toEqual(['["J07"]', '["J05"]']);
  });
});

// Checksum pushdown against streaming, through the binary on PostgreSQL (issue 15, part 3): random
// tables, random edits, and the two sides' keys in different collations — C on the legacy side,
// a case-insensitive nondeterministic ICU collation on the cloud side, where 'a' = 'A' to the
// database but not to the engine. `--pushdown on` (which refuses rather than stream) must give the
// very run `--pushdown off` gives: counts, control totals, and differences.jsonl row for row.
import fs from 'node:fs';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { createTestDatabase } from '../../helpers/pg.js';
import { makeProject, readDifferences } from './fixture.js';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 60_000 });

interface Row {
  sku: string | null;
  loc: string;
  qty: string | null;
  price: string;
  note: string | null;
}

const mapping = (i: number) => `name: case${i}
key: [sku, loc]
fields:
  sku: { type: string }
  loc: { type: string, trim: true }
  qty: { type: decimal, scale: 3 }
  price: { type: decimal, scale: 2, tolerance: "0.01" }
  note: { type: string }
totals:
  - { by: [loc], sum: [qty], count: true }
  - { value: [qty, price] }
legacy: { connection: legacy, table: legacy_${i}, columns: { sku: sku, loc: loc, qty: qty, price: price, note: note } }
cloud: { connection: cloud, table: cloud_${i}, columns: { sku: sku, loc: loc, qty: qty, price: price, note: note } }
`;

/** An edit of the cloud copy of the rows (the legacy side keeps the base rows). */
type Edit =
  | { op: 'qty'; at: number; delta: '0.001' | '0.0004' | '1' }
  | { op: 'price'; at: number; delta: '0.01' | '0.02' }
  | { op: 'note'; at: number; to: string | null }
  | { op: 'upperKey' | 'padLoc' | 'delete' | 'duplicate' | 'nullKey'; at: number }
  | { op: 'insert'; sku: string };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({
    op: fc.constant('qty' as const),
    at: fc.nat(),
    delta: fc.constantFrom('0.001' as const, '0.0004' as const, '1' as const),
  }),
  fc.record({
    op: fc.constant('price' as const),
    at: fc.nat(),
    delta: fc.constantFrom('0.01' as const, '0.02' as const),
  }),
  fc.record({
    op: fc.constant('note' as const),
    at: fc.nat(),
    to: fc.constantFrom(null, '', 'Note', 'note '),
  }),
  fc.record({
    op: fc.constantFrom(
      'upperKey' as const,
      'padLoc' as const,
      'delete' as const,
      'duplicate' as const,
      'nullKey' as const,
    ),
    at: fc.nat(),
  }),
  fc.record({ op: fc.constant('insert' as const), sku: fc.stringMatching(/^[a-c]{1,3}$/) }),
);

function baseRows(n: number): Row[] {
  return Array.from({ length: n }, (_, i) => ({
    sku: `sku-${i}${i % 9 === 0 ? 'é' : ''}`,
    loc: `L${i % 4}`,
    qty:
      i % 17 === 0
        ? null
        : `${(i * 7) % 500}.${String(i % 1000).padStart(3, '0')}${i % 23 === 0 ? '5' : '0'}`,
    price: `${(i * 13) % 90}.${String(i % 100).padStart(2, '0')}`,
    note: i % 5 === 0 ? null : i % 7 === 0 ? '' : `note ${i}`,
  }));
}

const add = (a: string, b: string) => (Number(a) + Number(b)).toFixed(4); // test data only: 4 digits, small

function applyEdits(rows: Row[], edits: Edit[]): Row[] {
  const out = rows.map((r) => ({ ...r }));
  for (const e of edits) {
    if (e.op === 'insert') {
      out.push({ sku: e.sku, loc: 'L9', qty: '1.000', price: '1.00', note: null });
      continue;
    }
    if (!out.length) continue;
    const i = e.at % out.length;
    const r = out[i]!;
    if (e.op === 'qty') r.qty = r.qty === null ? e.delta : add(r.qty, e.delta);
    else if (e.op === 'price') r.price = add(r.price, e.delta).slice(0, -2);
    else if (e.op === 'note') r.note = e.to;
    else if (e.op === 'upperKey') r.sku = r.sku?.toUpperCase() ?? null;
    else if (e.op === 'padLoc') r.loc = `${r.loc}  `;
    else if (e.op === 'delete') out.splice(i, 1);
    else if (e.op === 'duplicate') out.push({ ...r });
    else r.sku = null;
  }
  return out;
}

const lit = (v: string | null) => (v === null ? 'NULL' : `'${v.replace(/'/g, "''")}'`);
const values = (rows: Row[]) =>
  rows.map((r) => `(${[r.sku, r.loc, r.qty, r.price, r.note].map(lit).join(', ')})`).join(', ');

describe('checksum pushdown gives what streaming gives (PostgreSQL, C against a nondeterministic ICU collation)', () => {
  let db: { url: string; drop(): Promise<void> };
  let client: pg.Client;
  let dir: string;
  let cases = 0;
  beforeAll(async () => {
    db = await createTestDatabase('cutover_pd');
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(
      "CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)",
    );
    dir = makeProject({ legacy: db.url, cloud: db.url }, {});
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('on random tables and edits, row for row', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 30, max: 400 }),
        fc.array(editArb, { maxLength: 25 }),
        async (n, edits) => {
          const i = ++cases;
          const legacy = baseRows(n);
          const cloud = applyEdits(legacy, edits);
          await client.query(
            `CREATE TABLE legacy_${i} (sku text COLLATE "C", loc text, qty numeric(12,4), price numeric(10,2), note text)`,
          );
          await client.query(
            `CREATE TABLE cloud_${i} (sku text COLLATE ci, loc varchar(12), qty numeric(14,4), price numeric(12,2), note text COLLATE ci)`,
          );
          await client.query(`INSERT INTO legacy_${i} VALUES ${values(legacy)}`);
          if (cloud.length) await client.query(`INSERT INTO cloud_${i} VALUES ${values(cloud)}`);
          fs.writeFileSync(`${dir}/mappings/case${i}.yaml`, mapping(i));
          const run = async (mode: string) => {
            const r = await runCli(
              ['reconcile', `case${i}`, '--json', '--report', 'json', '--pushdown', mode],
              {
                cwd: dir,
              },
            );
            expect([0, 1], r.stderr).toContain(r.code);
            return r.json<{
              runId: string;
              counts: unknown;
              totals: unknown;
              fieldMismatches: unknown;
              pushdown: { mode: string };
            }>();
          };
          const on = await run('on');
          const off = await run('off');
          expect(on.pushdown.mode).toBe('checksum');
          expect(on.counts).toEqual(off.counts);
          expect(on.fieldMismatches).toEqual(off.fieldMismatches);
          expect(on.totals).toEqual(off.totals);
          const lines = (id: string) =>
            readDifferences(dir, id)
              .map((d) => JSON.stringify(d))
              .sort();
          expect(lines(on.runId)).toEqual(lines(off.runId));
        },
      ),
      { numRuns: 6 },
    );
  });

  it('--pushdown on refuses a mapping SQL cannot hash exactly (exit 2, the reason); auto streams it and says why', async () => {
    await client.query(
      "CREATE TABLE legacy_cased (sku text, qty numeric(12,3)); INSERT INTO legacy_cased VALUES ('a', 1)",
    );
    await client.query(
      "CREATE TABLE cloud_cased (sku text, qty numeric(12,3)); INSERT INTO cloud_cased VALUES ('A', 1)",
    );
    fs.writeFileSync(
      `${dir}/mappings/cased.yaml`,
      `name: cased
key: [sku]
fields: { sku: { type: string, case: upper }, qty: { type: decimal, scale: 3 } }
legacy: { connection: legacy, table: legacy_cased, columns: { sku: sku, qty: qty } }
cloud: { connection: cloud, table: cloud_cased, columns: { sku: sku, qty: qty } }
`,
    );
    const on = await runCli(['reconcile', 'cased', '--pushdown', 'on'], { cwd: dir });
    expect(on.code).toBe(2);
    expect(on.stderr).toMatch(
      /--pushdown on: mapping cased cannot be checksummed in SQL exactly: field sku changes case/,
    );
    expect(on.stderr).not.toMatch(/\n\s+at /);
    const auto = await runCli(['reconcile', 'cased', '--json', '--report', 'json'], { cwd: dir });
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.json()).toMatchObject({
      status: 'clean',
      pushdown: { mode: 'stream', reason: expect.stringMatching(/changes case/) },
    });
  });
});

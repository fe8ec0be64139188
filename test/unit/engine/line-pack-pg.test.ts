/**
 * The text-line read on a real PostgreSQL server: a side read through `readLines` (plain lines
 * packed from their bytes, the rest parsed and normalized) must give exactly the batches' bytes,
 * the taps and the errors of the row read (`read` + normalize + RowPacker.add), on values that take
 * both paths: padding, NULLs, escapes, quotes, non-ASCII text, decimals to pad, to trim and to round.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Adapter } from '../../../src/adapters/types.js';
import { createAdapterLazily } from '../../../src/adapters/lazy-adapter.js';
import { encodeSide, type SideJob } from '../../../src/reconcilers/parallel-read.js';
import type { TapState } from '../../../src/reconcilers/run-taps.js';
import { silentLogger } from '../../../src/util/logger.js';
import { createTestDatabase } from '../../helpers/pg.js';
import { makeMapping } from './helpers.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  db = await createTestDatabase('cutover_lines');
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    await c.query(`CREATE TABLE t (sku text, loc char(6), qty numeric(18,6), n bigint, cost numeric(12,3), note text);
      INSERT INTO t
      SELECT 'S' || i, 'L' || (i % 7),
             CASE WHEN i % 11 = 0 THEN NULL WHEN i % 13 = 0 THEN i + 0.0005 ELSE i / 8.0 END,
             CASE WHEN i % 17 = 0 THEN NULL ELSE i::bigint * 1000003 END,
             CASE WHEN i % 5 = 0 THEN -0.0 ELSE i * 1.25 END,
             CASE i % 9 WHEN 0 THEN NULL WHEN 1 THEN 'tab' || chr(9) || 'x' WHEN 2 THEN 'Zoë ' || i
               WHEN 3 THEN 'a"b\\c' WHEN 4 THEN '  padded  ' WHEN 5 THEN '' WHEN 6 THEN 'e' || chr(769)
               ELSE 'plain ' || i END
      FROM generate_series(1, 3000) AS i;
      CREATE TABLE bad (sku text, loc char(6), qty text, n bigint, cost numeric(12,3), note text);
      INSERT INTO bad VALUES ('A', 'X', '1.5', 1, 1, 'ok'), ('B', 'Y', 'oops', 2, 2, 'ok');`);
  } finally {
    await c.end();
  }
});
afterAll(async () => db?.drop());

const mapping = makeMapping(
  {
    sku: { type: 'string' },
    loc: { type: 'string', trim: true },
    qty: { type: 'decimal', scale: 3 },
    n: { type: 'integer' },
    cost: { type: 'decimal', scale: 2 },
    note: { type: 'string' },
  },
  ['sku', 'loc'],
  { totals: [{ sum: ['qty', 'cost'], by: ['loc'] }] } as never,
);
const columns = ['sku', 'loc', 'qty', 'n', 'cost', 'note'];

/** The adapter, or the same adapter without its text-line read (so the row read is used). */
async function adapter(lines: boolean): Promise<Adapter> {
  const a = await createAdapterLazily({ name: 'legacy', url: db.url }, { logger: silentLogger() });
  await a.connect();
  if (!lines) a.readLines = undefined;
  return a;
}

async function readAll(table: string, lines: boolean) {
  const job: SideJob = {
    connection: { name: 'legacy', url: db.url },
    mapping,
    side: 'legacy',
    request: { table, columns, batchSize: 700 },
    taps: { domain: false },
  };
  const a = await adapter(lines);
  expect(typeof a.readLines).toBe(lines ? 'function' : 'undefined');
  // Per partition, its lines across batches in arrival order (what the store files; batch
  // boundaries may differ between the two reads).
  const parts: Buffer[][] = [];
  let rows = 0;
  let taps: TapState | undefined;
  try {
    for await (const b of encodeSide(job, a, (t) => (taps = t))) {
      rows += b.rows;
      for (let p = 0; p + 1 < b.offsets.length; p++)
        (parts[p] ??= []).push(Buffer.from(b.bytes.subarray(b.offsets[p]!, b.offsets[p + 1]!)));
    }
  } finally {
    await a.close();
  }
  return { rows, bytes: Buffer.concat(parts.flatMap((p) => [...p, Buffer.from('|')])), taps };
}

describe('the text-line read on PostgreSQL', () => {
  it('packs the same bytes and taps as the row read', async () => {
    const fast = await readAll('t', true);
    const slow = await readAll('t', false);
    expect(fast.rows).toBe(3000);
    expect(fast.rows).toBe(slow.rows);
    expect(fast.bytes.equals(slow.bytes)).toBe(true);
    expect(fast.taps).toEqual(slow.taps);
    expect(fast.taps!.totals.buckets[0]).toHaveLength(7); // the totals by loc were fed
    // The data took both paths: plain lines and lines the normalizer had to see.
    const text = fast.bytes.toString('utf8');
    expect(text).toContain('"Zoë ');
    expect(text).toContain('"tab\\tx"');
    expect(text).toContain('"S13","L6"]\t["13.001"'); // 13.0005 rounded half-up
  });

  it("raises the row read's error for a value that is not a number", async () => {
    const fail = async (lines: boolean) =>
      readAll('bad', lines).then(
        () => 'no error',
        (e: Error) => `${e.constructor.name}: ${e.message}`,
      );
    const fast = await fail(true);
    expect(fast).toMatch(/oops/);
    expect(fast).toBe(await fail(false));
  });
});

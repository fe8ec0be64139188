import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawValue, ReadRequest } from '../../../src/adapters/types.js';
import { CutoverError, DataError, MappingError, UsageError } from '../../../src/errors.js';
import {
  BIG,
  COLUMNS,
  DEC38,
  DIALECTS,
  ESCAPES,
  NFC,
  NFD,
  TABLE,
  fixtureRows,
  type FixtureRow,
  type OpenedFixture,
} from './fixture-dialects.js';

const N = 3000;
const expected = fixtureRows(N);
const text = (v: RawValue): string | null =>
  v === null ? null : typeof v === 'bigint' ? v.toString() : String(v);

async function readAll(f: OpenedFixture, req: Partial<ReadRequest> = {}) {
  const batches: RawValue[][][] = [];
  for await (const b of f.adapter.read({ table: TABLE, columns: [...COLUMNS], ...req })) batches.push(b);
  const rows = batches.flat();
  return { batches, rows, byKey: new Map(rows.map((r) => [text(r[0]!), r])) };
}

async function failure(p: Promise<unknown>): Promise<CutoverError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected a CutoverError').toBeInstanceOf(CutoverError);
  return err as CutoverError;
}

async function drain(it: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of it) void _;
}

for (const dialect of DIALECTS) {
  describe(`adapter contract: ${dialect.name}`, () => {
    let f: OpenedFixture;
    beforeAll(async () => {
      f = await dialect.setup(expected);
    });
    afterAll(async () => f?.cleanup());

    it('streams every row in several batches, values in the requested column order', async () => {
      const { batches, rows } = await readAll(f, { batchSize: 500 });
      expect(batches.length).toBeGreaterThan(2);
      expect(rows).toHaveLength(N);
      const got = rows.map((r) => r.map(text)).sort((a, b) => Number(a[0]) - Number(b[0]));
      expect(got).toEqual(expected);
    });

    it('yields columns in the order asked for, not the table order', async () => {
      const { rows } = await readAll(f, { columns: ['Note', 'Entry No', 'Order'] });
      const r5 = rows.find((r) => text(r[1]!) === '5')!;
      expect(r5.map(text)).toEqual(['n5', '5', 'O-5']);
    });

    it('tells NULL from the empty string', async () => {
      const { byKey } = await readAll(f);
      expect(byKey.get('7')![7]).toBeNull();
      expect(byKey.get('11')![7]).toBe('');
      expect(byKey.get('12')![7]).toBe('n12');
    });

    it('keeps a 38-digit decimal and an int8 above 2^53 exact (never a JS number)', async () => {
      const { byKey } = await readAll(f);
      const r1 = byKey.get('1')!;
      expect(typeof r1[2]).toBe('string');
      expect(r1[2]).toBe(DEC38);
      expect(['string', 'bigint']).toContain(typeof r1[3]);
      expect(text(r1[3]!)).toBe(BIG);
      expect(text(byKey.get('2')![3]!)).toBe('-9223372036854775808');
      expect(text(byKey.get('2')![2]!)).toBe('-0.000000000001');
    });

    it('returns Unicode byte-identical (NFC and NFD kept apart), and escapes intact', async () => {
      const { byKey } = await readAll(f);
      const bytes = (k: string) => Buffer.from(byKey.get(k)![4] as string, 'utf8');
      expect(bytes('1').equals(Buffer.from(NFC))).toBe(true);
      expect(bytes('2').equals(Buffer.from(NFD))).toBe(true);
      expect(byKey.get('1')![4]).not.toBe(byKey.get('2')![4]);
      expect(byKey.get('3')![4]).toBe('日本語 😀 \u{1F468}\u200D\u{1F469}');
      expect(byKey.get('4')![4]).toBe(ESCAPES);
    });

    it('returns timestamps without and with time zone as text (the zoned one in UTC)', async () => {
      const { byKey } = await readAll(f);
      expect(byKey.get('1')![5]).toBe('2024-01-01 01:00:00.123456');
      expect(byKey.get('1')![6]).toBe('2024-01-01 01:00:00.123456+00');
      expect(byKey.get('30')![5]).toBe('2024-01-02 06:00:00');
      expect(byKey.get('30')![6]).toBe('2024-01-02 06:00:00+00');
    });

    it('filters a --since/--until window (since inclusive, until exclusive)', async () => {
      const hour = (h: number) => new Date(Date.UTC(2024, 0, 1) + h * 3_600_000);
      const { rows } = await readAll(f, { window: { column: 'Posted', since: hour(100), until: hour(200) } });
      const keys = rows.map((r) => Number(text(r[0]!))).sort((a, b) => a - b);
      expect(keys).toEqual(Array.from({ length: 100 }, (_, i) => 100 + i));
      const open = await readAll(f, { window: { column: 'Posted', since: hour(N - 5) } });
      expect(open.rows).toHaveLength(6);
    });

    it('takes a window from 0001-01-01 to 9999-12-31T23:59:59.999Z, in UTC and in a zone (MySQL: from 1000-01-01)', async () => {
      const all = { column: 'Posted', until: new Date('9999-12-31T23:59:59.999Z') };
      const first = { ...all, since: new Date('0001-01-01T00:00:00Z') };
      // 0001-01-02T00:00Z is 0001-01-01 19:03:58 in New York (local mean time); 9999-12-31 18:59:59.999
      const zoned = {
        ...all,
        since: new Date('0001-01-02T00:00:00Z'),
        timezone: 'America/New_York',
        naive: true,
      };
      const from1000 = {
        ...all,
        since: new Date('1000-01-02T00:00:00Z'),
        timezone: 'America/New_York',
        naive: true,
      };
      expect((await readAll(f, { window: from1000 })).rows).toHaveLength(N);
      if (dialect.name === 'mysql') {
        // MySQL's DATETIME and DATE start at 1000-01-01: an earlier bound is refused, not risked.
        for (const window of [first, zoned]) {
          const err = await failure(readAll(f, { window }));
          expect(err).toBeInstanceOf(UsageError);
          expect(err.message).toMatch(
            /^--since 0001-01-0[12]T00:00:00\.000Z is 0001-01-01 [0-9:]+( in America\/New_York| UTC) on a MySQL\/MariaDB side, before 1000-01-01 00:00:00/,
          );
        }
        return;
      }
      expect((await readAll(f, { window: first })).rows).toHaveLength(N);
      expect((await readAll(f, { window: zoned })).rows).toHaveLength(N);
    });

    it('reads a key set: one key column (IN), a composite key (OR of ANDs), an empty set', async () => {
      const one = await readAll(f, {
        keys: { columns: ['Order'], values: [['O-5'], ['O-2999'], ['O-none']] },
      });
      expect(one.rows.map((r) => text(r[1]!)).sort()).toEqual(['O-2999', 'O-5']);
      const two = await readAll(f, {
        keys: {
          columns: ['Order', 'Note'],
          values: [
            ['O-12', 'n12'],
            ['O-13', 'n12'], // the parts of another key: no row
            ['O-100', 'n100'],
          ],
        },
      });
      expect(two.rows.map((r) => text(r[0]!)).sort()).toEqual(['100', '12']);
      const none = await readAll(f, { keys: { columns: ['Order'], values: [] } });
      expect(none.rows).toHaveLength(0);
    });

    it('binds key values as values: a quote, a backslash and SQL text match nothing and break nothing', async () => {
      const { rows } = await readAll(f, {
        keys: {
          columns: ['Order'],
          values: [["O-1' OR '1'='1"], ['O-1\\'], ['O-3'], ["x'); DROP TABLE t; --"]],
        },
      });
      expect(rows.map((r) => text(r[1]!))).toEqual(['O-3']);
    });

    it('names the connection and the table when the table does not exist', async () => {
      const err = await failure(drain(f.adapter.read({ table: 'No Such Table', columns: ['Entry No'] })));
      expect(err).toBeInstanceOf(DataError);
      expect(err.message).toContain('No Such Table');
      expect(err.message).toContain('"fixture"');
      const err2 = await failure(f.adapter.checkColumns({ table: 'No Such Table', columns: ['Entry No'] }));
      expect(err2).toBeInstanceOf(DataError);
      expect(err2.message).toContain('No Such Table');
    });

    it('names the connection, the table and the column when a column does not exist', async () => {
      const err = await failure(drain(f.adapter.read({ table: TABLE, columns: ['Entry No', 'Ordr'] })));
      expect(err).toBeInstanceOf(DataError);
      expect(err.message).toContain('Ordr');
      expect(err.message).toContain(TABLE);
      expect(err.message).toContain('"fixture"');
      const err2 = await failure(f.adapter.checkColumns({ table: TABLE, columns: ['Entry No', 'Ordr'] }));
      expect(err2).toBeInstanceOf(DataError);
      expect(err2.message).toContain('Ordr');
    });

    it('checkColumns accepts a table that has the columns', async () => {
      await expect(f.adapter.checkColumns({ table: TABLE, columns: [...COLUMNS] })).resolves.toBeUndefined();
    });

    it('stops cleanly when the consumer stops early, and reads again afterwards', async () => {
      let seen = 0;
      for await (const b of f.adapter.read({ table: TABLE, columns: ['Entry No'], batchSize: 100 })) {
        seen += b.length;
        break;
      }
      expect(seen).toBeGreaterThan(0);
      const { rows } = await readAll(f, { columns: ['Entry No'] });
      expect(rows).toHaveLength(N);
    });

    it("tells the source's own time (what a settle window ages rows against)", async () => {
      const t = await f.adapter.clock();
      expect(t).toBeInstanceOf(Date);
      expect(Math.abs(t.getTime() - Date.now())).toBeLessThan(60_000); // the test servers run here
    });

    it('reports info', async () => {
      const info = await f.adapter.info();
      expect(info.dialect).toBe(dialect.name);
      expect(info.serverVersion).toMatch(/\S/);
      expect(info.latencyMs).toBeGreaterThanOrEqual(0);
    });

    if (dialect.sql) {
      it('applies a where filter and reads a query', async () => {
        const q_ = dialect.quote;
        const w = await readAll(f, { where: `${q_('Entry No')} <= 10` });
        expect(w.rows).toHaveLength(10);
        const q = await readAll(f, {
          table: undefined,
          query: `SELECT ${q_('Entry No')} AS k, ${q_('Order')} FROM ${q_(TABLE)} WHERE ${q_('Entry No')} IN (3, 4)`,
          columns: ['k', 'Order'],
        });
        expect(q.rows.map((r) => r.map(text)).sort()).toEqual([
          ['3', 'O-3'],
          ['4', 'O-4'],
        ]);
      });

      it('reads a pasted query ending in ";" or in a "-- comment" (checkColumns too)', async () => {
        const q_ = dialect.quote;
        const base = `SELECT ${q_('Entry No')} AS k, ${q_('Order')} FROM ${q_(TABLE)} WHERE ${q_('Entry No')} IN (3, 4)`;
        for (const query of [`${base};`, `${base} ;\n`, `${base} -- note`, `${base}; -- note;`]) {
          const req = { table: undefined, query, columns: ['k', 'Order'] };
          await expect(f.adapter.checkColumns(req), query).resolves.toBeUndefined();
          const q = await readAll(f, req);
          expect(q.rows.map((r) => r.map(text)).sort(), query).toEqual([
            ['3', 'O-3'],
            ['4', 'O-4'],
          ]);
        }
      });

      it('refuses a query of two statements with a MappingError, reading nothing', async () => {
        const q_ = dialect.quote;
        const query = `SELECT ${q_('Entry No')} AS k FROM ${q_(TABLE)} WHERE ${q_('Entry No')} = 3; SELECT 4 AS k`;
        const err = await failure(drain(f.adapter.read({ query, columns: ['k'] })));
        expect(err).toBeInstanceOf(MappingError);
        expect(err.message).toMatch(/more than one statement.*followed by "SELECT 4 AS k"/);
        const err2 = await failure(f.adapter.checkColumns({ query, columns: ['k'] }));
        expect(err2).toBeInstanceOf(MappingError);
      });
    } else {
      it('refuses where and query with a MappingError that says so', async () => {
        const err = await failure(
          drain(f.adapter.read({ table: TABLE, columns: ['Entry No'], where: '1=1' })),
        );
        expect(err).toBeInstanceOf(MappingError);
        expect(err.message).toMatch(/where/);
        const err2 = await failure(drain(f.adapter.read({ query: 'select 1', columns: ['Entry No'] })));
        expect(err2).toBeInstanceOf(MappingError);
      });
    }
  });
}

// Keeps the fixture type imported for readers of this file.
export type { FixtureRow };

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdapter } from '../../../src/adapters/registry.js';
import type { Adapter, RawValue, ReadRequest } from '../../../src/adapters/types.js';
import { parseTimestampText } from '../../../src/adapters/csv/text-timestamp.js';
import { ConnectionError, CutoverError, DataError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/util/logger.js';

const ctx = { logger: silentLogger() };

async function readAll(a: Adapter, req: ReadRequest): Promise<RawValue[][]> {
  const out: RawValue[][] = [];
  for await (const b of a.read(req)) out.push(...b);
  return out;
}

async function failure(p: Promise<unknown>): Promise<CutoverError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CutoverError);
  return err as CutoverError;
}

describe('csv adapter', () => {
  let dir: string;
  let adapter: Adapter;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cutover-csvad-'));
    // No BOM, LF line ends, a quoted field with a newline and doubled quotes, unquoted values.
    await fs.writeFile(
      path.join(dir, 'items.csv'),
      'ITEMID,NAME,QTY,MODIFIED\nA1,"Widget, ""large""\nsecond line",10.50,2024-03-01T10:00:00+02:00\nA2,,,2024-03-01 09:00:00Z\nA3,"",0,2024-03-01 08:59:59.999\n',
    );
    await fs.writeFile(path.join(dir, 'bom.csv'), '\uFEFFid,v\r\n1,x\r\n');
    await fs.writeFile(path.join(dir, 'broken.csv'), 'a,b\n1,2\n3\n');
    await fs.writeFile(path.join(dir, 'repeated.csv'), 'id,amount,amount,note,,,note,note\na,9,1,x,,,y,z\n');
    adapter = createAdapter({ name: 'extracts', url: `csv:${dir}` }, ctx);
    await adapter.connect();
  });
  afterAll(async () => {
    await adapter?.close();
    await fs.rm(dir, { recursive: true });
  });

  it('parses RFC 4180 quoting, with and without a BOM', async () => {
    expect(await readAll(adapter, { table: 'items', columns: ['ITEMID', 'NAME', 'QTY'] })).toEqual([
      ['A1', 'Widget, "large"\nsecond line', '10.50'],
      ['A2', null, null],
      ['A3', '', '0'],
    ]);
    expect(await readAll(adapter, { table: 'bom', columns: ['id', 'v'] })).toEqual([['1', 'x']]);
  });

  it('applies a window on timestamp text with offsets, Z and naive values', async () => {
    const rows = await readAll(adapter, {
      table: 'items',
      columns: ['ITEMID'],
      window: {
        column: 'MODIFIED',
        since: new Date('2024-03-01T08:00:00Z'),
        until: new Date('2024-03-01T09:00:00Z'),
      },
    });
    // A1 is 08:00Z (inclusive), A2 is 09:00Z (excluded), A3 is 08:59:59.999 naive = UTC.
    expect(rows).toEqual([['A1'], ['A3']]);
    const ny = await readAll(adapter, {
      table: 'items',
      columns: ['ITEMID'],
      window: {
        column: 'MODIFIED',
        since: new Date('2024-03-01T13:59:59.999Z'),
        timezone: 'America/New_York',
      },
    });
    // Only A3 is naive: read as New York time (EST) it is 13:59:59.999Z; A1 and A2 carry their offsets.
    expect(ny).toEqual([['A3']]);
    const later = await readAll(adapter, {
      table: 'items',
      columns: ['ITEMID'],
      window: { column: 'MODIFIED', since: new Date('2024-03-01T14:00:00Z'), timezone: 'America/New_York' },
    });
    expect(later).toEqual([]);
  });

  it('names the file and the folder when a table has no file, with a suggestion', async () => {
    const err = await failure(readAll(adapter, { table: 'itemz', columns: ['ITEMID'] }));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toContain('itemz.csv');
    expect(err.message).toContain(dir);
    expect(err.message).toContain('"extracts"');
    expect(err.hint).toContain('"items"');
  });

  it("names the column and the header's columns when a column is missing, with a suggestion", async () => {
    const err = await failure(adapter.checkColumns({ table: 'items', columns: ['ITEMID', 'NAMES'] }));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toContain('NAMES');
    expect(err.message).toContain('ITEMID, NAME, QTY, MODIFIED');
    expect(err.hint).toContain('"NAME"');
    await expect(adapter.checkColumns({ table: 'items', columns: ['QTY', 'NAME'] })).resolves.toBeUndefined();
  });

  it('refuses a column the header repeats when the mapping reads it, naming the file, the column and where', async () => {
    const err = await failure(readAll(adapter, { table: 'repeated', columns: ['id', 'amount'] }));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toBe(
      `Connection "extracts": the header of ${path.join(dir, 'repeated.csv')} names the column amount twice (columns 2 and 3), and the mapping reads it: cutover cannot tell which one is meant.`,
    );
    expect(err.hint).toMatch(/^Rename the repeated columns in the header row so each name is unique/);
    const err2 = await failure(adapter.checkColumns({ table: 'repeated', columns: ['amount', 'id'] }));
    expect(err2.message).toContain('names the column amount twice (columns 2 and 3)');
    const err3 = await failure(adapter.checkColumns({ table: 'repeated', columns: ['id', 'note'] }));
    expect(err3.message).toContain('names the column note 3 times (columns 4, 7 and 8)');
    // Read as a window or key column too.
    const err4 = await failure(
      readAll(adapter, {
        table: 'repeated',
        columns: ['id'],
        keys: { columns: ['amount'], values: [['9']] },
      }),
    );
    expect(err4.message).toContain('the column amount twice');
  });

  it('reads a file whose repeated columns the mapping does not read (empty or unused headings)', async () => {
    expect(await readAll(adapter, { table: 'repeated', columns: ['id'] })).toEqual([['a']]);
    await expect(adapter.checkColumns({ table: 'repeated', columns: ['id'] })).resolves.toBeUndefined();
  });

  it('names the line of a byte that only looks like UTF-8 (a surrogate, an overlong form)', async () => {
    for (const [name, bad] of [
      ['surrogate', [0xed, 0xa0, 0x80]],
      ['overlong', [0xe0, 0x80, 0xaf]],
    ] as const) {
      const lines = Array.from({ length: 50 }, (_, i) => `k${i},${i}\n`).join('');
      await fs.writeFile(
        path.join(dir, `${name}.csv`),
        Buffer.concat([Buffer.from('id,v\nA,1\nB,'), Buffer.from(bad), Buffer.from(`\n${lines}`)]),
      );
      const err = await failure(readAll(adapter, { table: name, columns: ['id'] }));
      expect(err.message).toContain(`${name}.csv line 3 holds bytes that are not valid utf-8`);
    }
  });

  it('reports a malformed file as a DataError naming it', async () => {
    const err = await failure(readAll(adapter, { table: 'broken', columns: ['a'] }));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toContain('broken.csv');
  });

  it('refuses a table name that reaches outside the folder', async () => {
    await failure(readAll(adapter, { table: '../etc/passwd', columns: ['a'] }));
  });

  it('is always read-only and reports a CSV folder', async () => {
    const info = await adapter.info();
    expect(info).toMatchObject({ dialect: 'csv', serverVersion: 'CSV folder', readOnly: true });
    expect(adapter.readOnly).toBe(true);
  });

  it('refuses a folder that does not exist with a ConnectionError naming it', async () => {
    const missing = path.join(dir, 'nope');
    const a = createAdapter({ name: 'extracts', url: `csv:${missing}` }, ctx);
    const err = await failure(a.connect());
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.message).toContain(missing);
  });
});

describe('timestamp text', () => {
  it('reads offsets, Z, naive UTC and naive zoned wall-clock times', () => {
    expect(parseTimestampText('2024-03-01T10:00:00+02:00')).toBe(Date.parse('2024-03-01T08:00:00Z'));
    expect(parseTimestampText('2024-03-01 10:00:00.5Z')).toBe(Date.parse('2024-03-01T10:00:00.500Z'));
    expect(parseTimestampText('2024-03-01')).toBe(Date.parse('2024-03-01T00:00:00Z'));
    expect(parseTimestampText('2024-07-01 00:00:00', 'America/New_York')).toBe(
      Date.parse('2024-07-01T04:00:00Z'),
    );
    expect(parseTimestampText('2024-01-01 00:00:00', 'America/New_York')).toBe(
      Date.parse('2024-01-01T05:00:00Z'),
    );
    expect(parseTimestampText('2024-03-10 03:30:00', 'America/New_York')).toBe(
      Date.parse('2024-03-10T07:30:00Z'),
    );
    // years 1 to 99 are those years, not 1901 to 1999
    expect(parseTimestampText('0050-06-01 10:00:00')).toBe(Date.parse('0050-06-01T10:00:00Z'));
    expect(parseTimestampText('0050-06-01 10:00:00', 'America/New_York')).toBe(
      Date.parse('0050-06-01T14:56:02Z'),
    );
    expect(parseTimestampText('not a date')).toBeUndefined();
  });
});

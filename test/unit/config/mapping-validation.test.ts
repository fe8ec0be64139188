/* eslint-disable @typescript-eslint/no-explicit-any -- each test edits a free-form, YAML-shaped mapping object */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMapping } from '../../../src/config/load-mappings.js';
import type { LoadedConfig } from '../../../src/config/load-config.js';
import { MappingError } from '../../../src/errors.js';

let dir: string;
let n = 0;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-map-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const config = {
  file: '/x/cutover.yaml',
  connections: { legacy: { name: 'legacy', url: 'sqlite:a' }, cloud: { name: 'cloud', url: 'sqlite:b' } },
} as unknown as LoadedConfig;

/** A valid inventory mapping; each test breaks one thing. */
function base(): Record<string, any> {
  return {
    name: 'inventory',
    domain: 'inventory',
    key: ['sku', 'location'],
    fields: {
      sku: { type: 'string', trim: true, case: 'upper' },
      location: { type: 'string' },
      on_hand: { type: 'decimal', scale: 3 },
      unit_cost: { type: 'decimal', scale: 4, tolerance: '0.005' },
      updated_at: { type: 'timestamp', tolerance: '1s', compare: false },
    },
    window: { field: 'updated_at' },
    legacy: {
      connection: 'legacy',
      table: 'dbo.INVENTSUM',
      columns: {
        sku: 'ITEMID',
        location: { column: 'LOC', map: { '01': 'DC-EAST' } },
        on_hand: { column: 'QTY', multiply: 12 },
        unit_cost: 'COST',
        updated_at: { column: 'MODIFIED', timezone: 'America/New_York' },
      },
    },
    cloud: {
      connection: 'cloud',
      table: 'inventory_balance',
      columns: {
        sku: 'sku',
        location: 'location_code',
        on_hand: 'qty',
        unit_cost: 'cost',
        updated_at: 'updated_at',
      },
    },
    totals: [
      { by: ['location'], sum: ['on_hand'] },
      { sum: ['on_hand'], value: ['on_hand', 'unit_cost'] },
    ],
  };
}

async function load(m: unknown, text?: string) {
  const file = path.join(dir, `m${n++}.yaml`);
  fs.writeFileSync(file, text ?? stringify(m));
  return { file, result: loadMapping(file, config) };
}

async function failure(edit: (m: Record<string, any>) => void): Promise<{ file: string; err: MappingError }> {
  const m = base();
  edit(m);
  const { file, result } = await load(m);
  const err = await result.then(
    () => {
      throw new Error('expected the mapping to be refused');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MappingError);
  return { file, err: err as MappingError };
}

describe('mapping validation', () => {
  it('accepts the SPEC example', async () => {
    const { result } = await load(base());
    const m = await result;
    expect(m.key).toEqual(['sku', 'location']);
    expect(m.fields.unit_cost!.tolerance).toBe('0.005');
    expect(m.legacy.columns.on_hand).toEqual({ column: 'QTY', multiply: '12' });
  });

  it('reports a YAML syntax error with its line', async () => {
    const { result } = await load(null, 'name: x\nkey: [a\nfields: {}\n');
    await expect(result).rejects.toThrow(/m\d+\.yaml line 3, column \d+ is not valid YAML/);
  });

  it.each([
    [
      'a field',
      (m: any) => (m.fields.unit_cost.tolerence = '1'),
      'unknown key "tolerence" in fields.unit_cost. Did you mean `tolerance`?',
    ],
    [
      'a column object',
      (m: any) => (m.legacy.columns.on_hand = { colum: 'QTY' }),
      'unknown key "colum" in legacy.columns.on_hand. Did you mean `column`?',
    ],
    ['a side', (m: any) => (m.cloud.tabel = 'x'), 'unknown key "tabel" in cloud. Did you mean `table`?'],
    ['a total', (m: any) => (m.totals[0].bye = ['x']), 'unknown key "bye" in totals[0]. Did you mean `by`?'],
    [
      'the top level',
      (m: any) => (m.absentAsZeros = []),
      'unknown key "absentAsZeros" at the top level. Did you mean `absentAsZero`?',
    ],
    [
      'signFrom',
      (m: any) => (m.legacy.columns.on_hand = { column: 'Q', signFrom: { column: 'S', negatve: 'H' } }),
      'unknown key "negatve" in legacy.columns.on_hand.signFrom. Did you mean `negative`?',
    ],
  ])('suggests the key for an unknown key in %s', async (_what, edit, message) => {
    const { file, err } = await failure(edit);
    const key = /unknown key "(\w+)"/.exec(message)![1]!;
    const line =
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes(`${key}:`)) + 1;
    expect(line).toBeGreaterThan(0);
    expect(err.message).toBe(`${file} line ${line}: ${message}`);
  });

  it('names an unknown type and suggests one', async () => {
    const { err } = await failure((m) => (m.fields.on_hand.type = 'decimel'));
    expect(err.message).toContain(
      'fields.on_hand.type is "decimel", which is not one of "string", "integer", "decimal"',
    );
    expect(err.message).toContain('Did you mean `decimal`?');
  });

  it('explains a column that is neither a name nor an object', async () => {
    const { err } = await failure((m) => (m.cloud.columns.on_hand = 5));
    expect(err.message).toContain(
      'cloud.columns.on_hand is number 5, but a text value or a map of keys is expected there',
    );
  });

  it('reports the object branch of a column, not "invalid input"', async () => {
    const { err } = await failure((m) => (m.legacy.columns.on_hand = { column: 'QTY', unmapped: 'drop' }));
    expect(err.message).toContain(
      'legacy.columns.on_hand.unmapped is "drop", which is not one of "keep", "error", "null"',
    );
  });

  it('names a missing side', async () => {
    const { err } = await failure((m) => delete m.cloud);
    expect(err.message).toContain('cloud is missing (a map of keys expected). Add it.');
  });

  it('names a missing value inside a column object, with the line of its parent', async () => {
    const { file, err } = await failure(
      (m) => (m.legacy.columns.on_hand = { column: 'Q', signFrom: { column: 'S' } }),
    );
    const line =
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('signFrom:')) + 1;
    expect(err.message).toBe(
      `${file} line ${line}: legacy.columns.on_hand.signFrom.negative is missing (a text value or a list expected). Add it.`,
    );
  });

  it.each([
    ['cloud', 'sku'],
    ['legacy', 'location'],
  ])('refuses a key field the %s side does not produce', async (side, field) => {
    const { file, err } = await failure((m) => delete m[side].columns[field]);
    expect(err.message).toBe(
      `${file}: ${side}.columns: the key field "${field}" is not produced by the ${side} side.`,
    );
    expect(err.hint).toContain(`Add \`${field}: <column>\` under ${side}.columns`);
  });

  it('refuses a field one side does not produce, and a column that is no field', async () => {
    let { err } = await failure((m) => delete m.cloud.columns.unit_cost);
    expect(err.message).toContain('cloud.columns: the field "unit_cost" is not produced by the cloud side');
    ({ err } = await failure((m) => (m.cloud.columns.extra = 'x')));
    expect(err.message).toContain('cloud.columns.extra: "extra" is not a declared field');
  });

  it('refuses a key that is not a field', async () => {
    const { err } = await failure((m) => (m.key = ['sku', 'store']));
    expect(err.message).toContain('key: "store" is not a declared field');
    expect(err.hint).toContain('sku, location, on_hand');
  });

  it('refuses totals naming unknown or non-numeric fields', async () => {
    let { err } = await failure((m) => (m.totals[0].sum = ['onhand']));
    expect(err.message).toContain('totals[0]: "onhand" is not a declared field');
    ({ err } = await failure((m) => (m.totals[0].sum = ['location'])));
    expect(err.message).toContain('totals[0]: "location" is a string field and cannot be summed');
  });

  it.each([
    [
      'multiply on a string',
      (m: any) => (m.legacy.columns.sku = { column: 'ITEMID', multiply: 2 }),
      'legacy.columns.sku.multiply: `multiply` applies to decimal or integer fields, and "sku" is a string field',
    ],
    [
      'divide on a timestamp',
      (m: any) => (m.cloud.columns.updated_at = { column: 'u', divide: 2 }),
      'cloud.columns.updated_at.divide: `divide` applies to decimal or integer fields',
    ],
    [
      'signFrom on a string',
      (m: any) => (m.legacy.columns.location = { column: 'L', signFrom: { column: 'S', negative: 'H' } }),
      '`signFrom` applies to decimal or integer fields, and "location" is a string field',
    ],
    [
      'timezone on a decimal',
      (m: any) => (m.legacy.columns.on_hand = { column: 'Q', timezone: 'UTC' }),
      'legacy.columns.on_hand.timezone: `timezone` applies to timestamp fields, and "on_hand" is a decimal field',
    ],
    [
      'trim on a decimal column',
      (m: any) => (m.cloud.columns.on_hand = { column: 'Q', trim: true }),
      '`trim` applies to string fields, and "on_hand" is a decimal field',
    ],
    [
      'case on a timestamp field',
      (m: any) => (m.fields.updated_at.case = 'upper'),
      'fields.updated_at.case: `case` applies to string fields',
    ],
    [
      'scale on an integer',
      (m: any) => (m.fields.on_hand = { type: 'integer', scale: 2 }),
      'fields.on_hand.scale: `scale` applies to decimal fields, and "on_hand" is a integer field',
    ],
    [
      'a word as a decimal tolerance',
      (m: any) => (m.fields.unit_cost.tolerance = 'half a cent'),
      'fields.unit_cost.tolerance: "half a cent" is not a non-negative decimal number',
    ],
    [
      'a negative tolerance',
      (m: any) => (m.fields.unit_cost.tolerance = '-0.01'),
      '"-0.01" is not a non-negative decimal number',
    ],
    [
      'a number as a timestamp tolerance',
      (m: any) => (m.fields.updated_at.tolerance = '0.5'),
      'fields.updated_at.tolerance: "0.5" is not a duration',
    ],
    [
      'a tolerance on a string',
      (m: any) => (m.fields.location.tolerance = '1'),
      '`tolerance` applies to decimal or integer or timestamp fields',
    ],
    [
      'an unknown time zone',
      (m: any) => (m.legacy.columns.updated_at.timezone = 'America/New_Yrok'),
      '"America/New_Yrok" is not a known time zone',
    ],
    [
      'a divide on a decimal field without a scale',
      (m: any) => {
        delete m.fields.on_hand.scale;
        m.legacy.columns.on_hand = { column: 'Q', divide: '100' };
      },
      "legacy.columns.on_hand.divide: dividing on_hand needs the field's scale",
    ],
    [
      'a zero divide',
      (m: any) => (m.legacy.columns.on_hand = { column: 'Q', divide: '0.0' }),
      'legacy.columns.on_hand.divide: it is zero',
    ],
    [
      'both table and query',
      (m: any) => (m.cloud.query = 'SELECT 1'),
      'cloud: both `table` and `query` are given',
    ],
    [
      'neither table nor query',
      (m: any) => delete m.cloud.table,
      'cloud: neither `table` nor `query` is given',
    ],
    [
      'an unknown connection',
      (m: any) => (m.cloud.connection = 'clod'),
      'cloud.connection: there is no connection "clod" in /x/cutover.yaml',
    ],
    [
      'a column with neither column nor value',
      (m: any) => (m.cloud.columns.on_hand = { multiply: 2 }),
      'cloud.columns.on_hand: neither `column` nor `value` is given',
    ],
    [
      'a window on a string',
      (m: any) => (m.window.field = 'sku'),
      'window.field: "sku" is a string field, but --since/--until filter on a date or timestamp',
    ],
    [
      'a window on a constant',
      (m: any) => (m.cloud.columns.updated_at = { value: '2026-01-01' }),
      'cloud.columns.updated_at: the window field "updated_at" must come from a plain column',
    ],
    [
      'absentAsZero on a string',
      (m: any) => (m.absentAsZero = ['sku']),
      'absentAsZero: "sku" is not a decimal or integer field',
    ],
  ])('refuses %s', async (_what, edit, message) => {
    const { err } = await failure(edit);
    expect(err.message).toContain(message);
  });

  it.each(['1s', '500ms', '250us', '2m', '1h'])(
    'accepts the timestamp tolerance %s the engine reads',
    async (t) => {
      const m = base();
      m.fields.updated_at.tolerance = t;
      await expect((await load(m)).result).resolves.toMatchObject({
        fields: { updated_at: { tolerance: t } },
      });
    },
  );

  it('accepts tolerances in each allowed form', async () => {
    const m = base();
    m.fields.unit_cost.tolerance = 0.01;
    m.fields.updated_at.tolerance = '500ms';
    m.fields.qty = { type: 'integer', tolerance: '1' };
    m.legacy.columns.qty = 'Q';
    m.cloud.columns.qty = { column: 'q', signFrom: { column: 'dc', negative: ['H', 'C'] } };
    const { result } = await load(m);
    await expect(result).resolves.toMatchObject({ fields: { unit_cost: { tolerance: '0.01' } } });
  });

  it.each([
    ['inventory', ['on_hand'], 'the inventory domain needs the field `on_hand`, which is not declared'],
    [
      'inventory',
      ['on_hand', 'location'],
      'the inventory domain needs the fields `location`, `on_hand`, which are not declared',
    ],
  ])('lists what the %s domain misses', async (_d, drop, message) => {
    const { err } = await failure((m) => {
      for (const f of drop) {
        delete m.fields[f];
        delete m.legacy.columns[f];
        delete m.cloud.columns[f];
      }
      m.key = ['sku'];
      m.totals = [];
    });
    expect(err.message).toContain(`domain: ${message}`);
    expect(err.hint).toContain('domain: custom');
  });

  it('lists what the refunds and postings domains miss', async () => {
    let { err } = await failure((m) => (m.domain = 'refunds'));
    expect(err.message).toContain('the refunds domain needs the fields `amount`, `status`, `refunded_at`');
    ({ err } = await failure((m) => (m.domain = 'postings')));
    expect(err.message).toContain(
      'the postings domain needs the fields `journal`, `account`, `period` or `posting_date`, `amount` (or `debit` and `credit`)',
    );
  });

  it('accepts postings with debit and credit, and refuses debit alone', async () => {
    const postings = (withCredit: boolean) => {
      const fields: Record<string, unknown> = {
        journal: { type: 'string' },
        line: { type: 'integer' },
        account: { type: 'string' },
        period: { type: 'string' },
        debit: { type: 'decimal', scale: 2 },
        ...(withCredit ? { credit: { type: 'decimal', scale: 2 } } : {}),
      };
      const cols = Object.fromEntries(Object.keys(fields).map((f) => [f, f.toUpperCase()]));
      return {
        name: 'gl',
        domain: 'postings',
        key: ['journal', 'line'],
        fields,
        legacy: { connection: 'legacy', table: 'BSEG', columns: cols },
        cloud: { connection: 'cloud', query: 'SELECT * FROM gl', columns: cols },
      };
    };
    await expect((await load(postings(true))).result).resolves.toMatchObject({ domain: 'postings' });
    await expect((await load(postings(false))).result).rejects.toThrow('`debit` and `credit` (both)');
  });
});

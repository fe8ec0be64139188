// Key-set reads (reconcile --recheck): what is pushed down to the source, and the exact filter after.
import { describe, expect, it } from 'vitest';
import { keyFilter, planKeySetRead } from '../../../src/reconcilers/key-set.js';
import { KEY_SET_PARAMS } from '../../../src/adapters/sql-text.js';
import { mappingOf } from './mapping-fixture.js';

const base = { table: 't', columns: ['sku', 'loc', 'qty'] };
const fields = { sku: { type: 'string' }, loc: { type: 'string' }, qty: { type: 'decimal', scale: 2 } };

describe('planKeySetRead', () => {
  it('pushes plain string key columns down, by their source names, as distinct tuples', () => {
    const m = mappingOf({ key: ['sku', 'loc'], fields, legacyColumns: { sku: 'ITEMID' } });
    const keys = [
      { sku: 'A', loc: '1' },
      { sku: 'A', loc: '1' },
      { sku: 'B', loc: '2' },
    ];
    const r = planKeySetRead(m, 'legacy', base, keys);
    expect(r.pushedColumns).toEqual(['ITEMID', 'loc']);
    expect(r.notPushed).toEqual([]);
    expect(r.requests).toEqual([
      {
        ...base,
        keys: {
          columns: ['ITEMID', 'loc'],
          values: [
            ['A', '1'],
            ['B', '2'],
          ],
        },
      },
    ]);
  });

  it('leaves out a transformed or non-string key field, and says why; pushes the others', () => {
    const m = mappingOf({
      key: ['sku', 'loc', 'n'],
      fields: { ...fields, sku: { type: 'string', trim: true }, n: { type: 'integer' } },
      cloudColumns: { loc: { column: 'loc', map: { '01': 'DC-EAST' } } },
    });
    const keys = [{ sku: 'A', loc: 'DC-EAST', n: '7' }];
    const legacy = planKeySetRead(m, 'legacy', base, keys);
    expect(legacy.pushedColumns).toEqual(['loc']);
    expect(legacy.notPushed).toEqual([
      'sku is transformed on the legacy side',
      'n is not a string field (its integer text in the source may differ)',
    ]);
    const cloud = planKeySetRead(m, 'cloud', base, keys);
    expect(cloud.pushedColumns).toEqual([]);
    expect(cloud.requests).toEqual([base]); // read whole, filtered after
  });

  it('does not push a field with a NULL or non-ASCII value (NFC may differ from the source)', () => {
    const m = mappingOf({ key: ['sku', 'loc'], fields });
    const r = planKeySetRead(m, 'legacy', base, [
      { sku: 'Café', loc: '1' },
      { sku: 'B', loc: null },
    ]);
    expect(r.pushedColumns).toEqual([]);
    expect(r.notPushed).toHaveLength(2);
  });

  it('splits a large set so no statement binds more than KEY_SET_PARAMS values; an empty set reads nothing', () => {
    const m = mappingOf({ key: ['sku', 'loc'], fields });
    const keys = Array.from({ length: KEY_SET_PARAMS + 1 }, (_, i) => ({ sku: `S${i}`, loc: 'L' }));
    const r = planKeySetRead(m, 'legacy', base, keys);
    expect(r.requests.map((q) => q.keys!.values.length)).toEqual([KEY_SET_PARAMS / 2, KEY_SET_PARAMS / 2, 1]);
    expect(planKeySetRead(m, 'legacy', base, []).requests).toEqual([]);
  });
});

describe('keyFilter', () => {
  it('keeps exactly the rows whose canonical key is in the set (a superset read narrowed)', () => {
    const m = mappingOf({ key: ['sku', 'loc'], fields });
    const keep = keyFilter(m, [{ sku: 'a', loc: '1' }]);
    const rows = [
      { sku: 'a', loc: '1', qty: '1.00' },
      { sku: 'A', loc: '1', qty: '1.00' }, // what a case-insensitive collation also returns
      { sku: 'a', loc: '11', qty: '1.00' },
    ];
    expect(keep(rows)).toEqual([rows[0]]);
  });
});

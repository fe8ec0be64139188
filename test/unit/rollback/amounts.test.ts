import { describe, it, expect } from 'vitest';
import { addAmounts, payloadAmounts } from '../../../src/rollback/amounts.js';
import { absoluteSums } from '../../../src/dashboard/aggregate.js';
import { dict } from '../../../src/util/dict.js';

describe('amount records keyed by column names from user data', () => {
  it('keeps a column named __proto__ or toString as a column, and leaves Object.prototype alone', () => {
    const amounts = payloadAmounts(JSON.parse('{"__proto__": 5, "toString": "2.50"}'));
    expect(Object.keys(amounts).sort()).toEqual(['__proto__', 'toString']);
    const into = dict<string>();
    addAmounts(into, amounts);
    addAmounts(into, amounts);
    expect(into['toString']).toBe('5.00');
    expect(into['__proto__']).toBe('10');
    const sums = absoluteSums([amounts, amounts]);
    expect(Object.keys(sums).sort()).toEqual(['__proto__', 'toString']);
    expect(({} as Record<string, unknown>).length).toBeUndefined();
  });
});

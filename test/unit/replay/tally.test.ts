import { describe, it, expect } from 'vitest';
import { ReplayTally } from '../../../src/replay/tally.js';

describe('ReplayTally', () => {
  it('counts event types named like Object.prototype members without touching the prototype', () => {
    const t = new ReplayTally(3, 0);
    t.of('__proto__').read++;
    t.of('__proto__').failed++;
    t.of('constructor').read++;
    t.addSums('toString', { qty: '$.qty' }, { qty: '1.5' });
    const types = t.types();
    expect(Object.keys(types).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(types['__proto__']).toMatchObject({ read: 1, failed: 1 });
    expect(types['toString']!.sums).toEqual({ qty: '1.5' });
    expect(({} as Record<string, unknown>).read).toBeUndefined();
    expect(JSON.parse(JSON.stringify(types)).__proto__.failed).toBe(1);
  });
});

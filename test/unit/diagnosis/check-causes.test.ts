/** The demo's check of named causes against planted ones: exact count, parameters and where. */
import { describe, expect, it } from 'vitest';
import { checkCauses } from '../../../src/demo/check-expected.js';
import type { PlantedFault } from '../../../src/demo/demo-expected.js';
import type { ReconcileSummary } from '../../../src/reconcilers/types.js';
import type { Cause } from '../../../src/diagnosis/types.js';

const cause = (over: Partial<Cause>): Cause => ({
  kind: 'unit_factor',
  field: 'on_hand',
  count: 10,
  share: '0.5000',
  evidence: { factor: '12' },
  confidence: 'high',
  sampleKeys: [],
  suggestion: '',
  ...over,
});
const planted: PlantedFault[] = [
  {
    domain: 'inventory',
    fault: 'x',
    rows: 10,
    shows: 'x',
    reported: true,
    causes: [
      {
        kind: 'unit_factor',
        field: 'on_hand',
        count: 10,
        evidence: { factor: '12' },
        where: { uom: 'CASE' },
      },
    ],
  },
];
const run = (causes: Cause[]) => ({ causes }) as unknown as ReconcileSummary;

describe('checkCauses', () => {
  it('passes only when the named cause matches what was planted', () => {
    expect(checkCauses(run([cause({ where: { uom: 'CASE' } })]), planted)).toEqual([]);
    expect(checkCauses(run([cause({ where: { uom: 'CASE' }, count: 9 })]), planted)).toEqual([
      'cause unit_factor on on_hand {"factor":"12"}: explains 9, planted 10',
    ]);
    expect(checkCauses(run([cause({ evidence: { factor: '6' } })]), planted)).toEqual([
      'cause unit_factor on on_hand {"factor":"12"}: not named',
      'cause unit_factor on on_hand named, but not planted',
    ]);
    expect(checkCauses(run([cause({})]), planted)).toEqual([
      'cause unit_factor on on_hand {"factor":"12"}: where {}, planted {"uom":"CASE"}',
    ]);
  });
});

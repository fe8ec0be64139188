import { describe, it, expect } from 'vitest';
import { ledgerMismatch } from '../../../src/replay/ledger.js';

const stored = {
  run_id: 'p_1',
  event_type: 'inventory.adjusted',
  event_key: 'A@S1',
  occurred_at: '2030-01-01T00:00:00Z',
};
const same = { type: 'inventory.adjusted', key: 'A@S1', occurredAt: '2030-01-01T00:00:00Z' };

describe('ledgerMismatch', () => {
  it('says nothing when the event is the one the ledger row applied', () => {
    expect(ledgerMismatch('e1', stored, same)).toBeUndefined();
  });

  it('names the id, the run and each field that differs', () => {
    expect(ledgerMismatch('e1', stored, { ...same, key: 'other' })).toBe(
      'the event id "e1" is already in the target\'s ledger (run p_1) for another event: this one has key "other", not "A@S1"',
    );
    const all = ledgerMismatch('e1', stored, {
      type: 'refund.issued',
      key: 'RF-1',
      occurredAt: '2030-01-02T00:00:00Z',
    });
    expect(all).toMatch(
      /type "refund\.issued", not "inventory\.adjusted", key "RF-1", not "A@S1", occurredAt "2030-01-02T00:00:00Z", not "2030-01-01T00:00:00Z"$/,
    );
  });

  it('compares exactly: a key in another case or a time written otherwise is another event', () => {
    expect(ledgerMismatch('e1', stored, { ...same, key: 'a@s1' })).toMatch(/key "a@s1"/);
    expect(ledgerMismatch('e1', stored, { ...same, occurredAt: '2030-01-01T00:00:00.000Z' })).toMatch(
      /occurredAt/,
    );
  });
});

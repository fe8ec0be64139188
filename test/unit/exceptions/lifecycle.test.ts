import { describe, expect, it } from 'vitest';
import { refusal, transitions } from '../../../src/exceptions/lifecycle.js';
import { exceptionStatuses, type TransitionAction } from '../../../src/exceptions/types.js';

// The documented table (docs/exceptions.md): which statuses each action accepts.
const allowed: Record<TransitionAction, string[]> = {
  assign: ['open', 'assigned'],
  resolve: ['open', 'assigned'],
  ignore: ['open', 'assigned'],
  reopen: ['resolved', 'ignored'],
  retry: ['open', 'assigned'],
};

describe('exception state machine', () => {
  for (const action of Object.keys(allowed) as TransitionAction[])
    for (const status of exceptionStatuses)
      it(`${action} from ${status} is ${allowed[action].includes(status) ? 'allowed' : 'refused'}`, () => {
        const why = refusal(action, { id: 'X-000001', status, kind: 'replay_failed' });
        if (allowed[action].includes(status)) expect(why).toBeUndefined();
        else {
          expect(why).toMatch(/^X-000001 is (already )?\w+/);
          expect(why).toContain(status);
        }
      });

  it('targets: assign → assigned, resolve → resolved, ignore → ignored, reopen → open, retry keeps the status', () => {
    expect(Object.fromEntries(Object.entries(transitions).map(([a, t]) => [a, t.to]))).toEqual({
      assign: 'assigned',
      resolve: 'resolved',
      ignore: 'ignored',
      reopen: 'open',
      retry: undefined,
    });
  });

  it('says what to do instead', () => {
    expect(refusal('resolve', { id: 'X-000002', status: 'ignored', kind: 'mismatch' })).toContain(
      '`cutover exceptions reopen X-000002`',
    );
    expect(refusal('reopen', { id: 'X-000002', status: 'open', kind: 'mismatch' })).toContain(
      '`cutover exceptions assign X-000002 --to NAME`',
    );
  });

  it('only replay failures can be retried', () => {
    expect(refusal('retry', { id: 'X-000003', status: 'open', kind: 'mismatch' })).toMatch(
      /only replay items can be retried/,
    );
    expect(refusal('retry', { id: 'X-000003', status: 'open', kind: 'rollback_conflict' })).toMatch(
      /cannot be retried/,
    );
    expect(refusal('retry', { id: 'X-000003', status: 'open', kind: 'replay_parked' })).toBeUndefined();
  });
});

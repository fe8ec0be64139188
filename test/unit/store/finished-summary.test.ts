import { describe, expect, it } from 'vitest';
import { finishedSummary } from '../../../src/store/finished-summary.js';
import type { RunRecord } from '../../../src/store/runs.js';
import { UsageError } from '../../../src/errors.js';

const run = (over: Partial<RunRecord>): RunRecord => ({
  id: 'r_20261126_0200_items',
  command: 'reconcile',
  name: 'items',
  status: 'differences',
  startedAt: '2026-11-26T02:00:00.000Z',
  finishedAt: null,
  summary: null,
  user: null,
  host: null,
  ...over,
});

const refusal = (r: RunRecord): string => {
  try {
    finishedSummary(r, 'diagnose');
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as UsageError).paragraph();
  }
  throw new Error('expected a refusal');
};

describe('finishedSummary', () => {
  it('returns the summary of a finished run, a stopped one included', () => {
    for (const status of ['clean', 'differences', 'stopped']) {
      const summary = { runId: 'r', status, counts: {}, systems: {} };
      expect(finishedSummary(run({ status, summary }), 'diagnose')).toBe(summary);
    }
  });

  it('refuses a run that did not finish, saying why and to reconcile again', () => {
    expect(refusal(run({ status: 'interrupted' }))).toBe(
      'Run "r_20261126_0200_items" (reconcile of items) did not finish: it was interrupted (its process ended before the run did), so it has no reconciliation summary to diagnose. Run `cutover reconcile items` again and use the new run (`cutover runs list --name items` lists it).',
    );
    expect(refusal(run({ status: 'error', summary: { runId: 'r', error: 'boom' } }))).toContain(
      'did not finish: it ended in an error (`cutover runs show r_20261126_0200_items` says which)',
    );
    expect(refusal(run({ command: 'recheck', status: 'interrupted' }))).toContain(
      'Run `cutover reconcile items --recheck` again',
    );
  });

  it('asks to wait for a run still running', () => {
    expect(refusal(run({ status: 'running' }))).toBe(
      'Run "r_20261126_0200_items" (reconcile of items) has not finished: it is still running, so it has no reconciliation summary to diagnose. Wait for it to finish (`cutover runs show r_20261126_0200_items` shows its status), then run this again.',
    );
  });

  it('says a replay run has none', () => {
    expect(refusal(run({ id: 'p_1', command: 'replay', status: 'complete', summary: {} }))).toBe(
      'Run "p_1" is a replay run (status complete), so it has no reconciliation summary to diagnose. Only reconcile runs have one; `cutover runs list --command reconcile` lists them.',
    );
  });
});

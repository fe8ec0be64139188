import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { createPgProject, type PgProject } from '../../helpers/pg-project.js';
import { readDifferences, summarySchema } from './fixture.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

const N = 12_000;

// Refunds over PostgreSQL on both sides, legacy-like types on one (char keys, numeric(14,4)),
// cloud-like on the other; the amount declares no scale, so the totals show the most digits seen on
// either side: a reader thread's figures must reach the main thread's with their scale.
const SETUP = `
CREATE TABLE legacy_refunds (id char(10), amount numeric(14,4), cur char(3), status varchar(10),
  channel varchar(8), requested_at timestamp, refunded_at timestamp);
CREATE TABLE cloud_refunds (refund_id text, amount numeric, currency text, status text,
  channel text, requested_at timestamptz, refunded_at timestamptz);
INSERT INTO legacy_refunds
  SELECT 'R' || lpad(i::text, 8, '0'), (i % 977) * 1.0005, 'EUR', CASE WHEN i % 5 = 0 THEN 'open' ELSE 'done' END,
         CASE WHEN i % 3 = 0 THEN 'store' ELSE 'web' END,
         timestamp '2026-11-01' + i * interval '1 minute',
         timestamp '2026-11-01' + i * interval '1 minute' + (i % 240) * interval '1 minute'
  FROM generate_series(1, ${N}) i WHERE i % 1000 <> 7;
INSERT INTO cloud_refunds
  SELECT 'R' || lpad(i::text, 8, '0'),
         CASE WHEN i % 400 = 3 THEN (i % 977) * 1.0005 + 0.00001 ELSE (i % 977) * 1.0005 END,
         'EUR', CASE WHEN i % 5 = 0 OR i % 700 = 1 THEN 'open' ELSE 'done' END,
         CASE WHEN i % 3 = 0 THEN 'store' ELSE 'web' END,
         timestamptz '2026-11-01 00:00Z' + i * interval '1 minute',
         timestamptz '2026-11-01 00:00Z' + i * interval '1 minute' + (i % 240 + i % 2) * interval '1 minute'
  FROM generate_series(1, ${N}) i WHERE i % 1500 <> 11;
`;

const MAPPING = `name: refunds
domain: refunds
key: [refund_id]
fields:
  refund_id:    { type: string, trim: true }
  amount:       { type: decimal }
  currency:     { type: string }
  status:       { type: string }
  channel:      { type: string }
  requested_at: { type: timestamp }
  refunded_at:  { type: timestamp }
totals:
  - { sum: [amount], by: [channel] }
legacy:
  connection: legacy
  table: legacy_refunds
  timezone: UTC
  columns: { refund_id: id, amount: amount, currency: cur, status: status, channel: channel,
             requested_at: requested_at, refunded_at: refunded_at }
cloud:
  connection: cloud
  table: cloud_refunds
  columns: { refund_id: refund_id, amount: amount, currency: currency, status: status,
             channel: channel, requested_at: requested_at, refunded_at: refunded_at }
`;

describe('cutover reconcile reads each side on a reader thread', () => {
  let p: PgProject;
  beforeAll(async () => {
    p = await createPgProject('cutover_threads', SETUP, { refunds: MAPPING });
  });
  afterAll(async () => p?.cleanup());

  /** One run, its summary, its differences (without the run id) and what its log says of the reads. */
  async function run(name: string, env: NodeJS.ProcessEnv = {}, args: string[] = []) {
    const log = path.join(p.dir, `run-${name}.log`);
    const r = await runCli(['reconcile', 'refunds', '--json', ...args, '--debug', '--log-file', log], {
      cwd: p.dir,
      env,
    });
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(r.code).toBe(1);
    const summary = summarySchema.passthrough().parse(JSON.parse(r.stdout));
    const reads = fs
      .readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"reading a side"'))
      .map((l) => JSON.parse(l) as { side: string; readerThread: boolean });
    const readPhase = fs
      .readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"phase":"read"'))
      .map((l) => JSON.parse(l) as { joinThread: boolean; spilled: boolean });
    const queuePhase = fs
      .readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"phase":"queue"'))
      .map((l) => JSON.parse(l) as { checkpointAside: boolean });
    const joinThread = readPhase.map((x) => x.joinThread);
    const spilled = readPhase.map((x) => x.spilled);
    const diffs = readDifferences(p.dir, summary.runId).map((d) =>
      JSON.stringify({ ...d, runId: undefined }),
    );
    const checkpointAside = queuePhase.map((x) => x.checkpointAside);
    const diagnosisThread = fs
      .readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"phase":"diagnosis"'))
      .map((l) => (JSON.parse(l) as { diagnosisThread: boolean }).diagnosisThread);
    return { summary, reads, joinThread, spilled, checkpointAside, diagnosisThread, diffs };
  }

  it('with the same differences, counts, control totals and domain checks as the main thread alone', async () => {
    // The join's second thread too: from 0 bytes on, so these 12k rows go through it; and the
    // store's checkpoint held through the queue sync and made on a thread, as from 50k differences.
    const threads = await run('threads', {
      CUTOVER_JOIN_THREAD_MIN_BYTES: '0',
      CUTOVER_CHECKPOINT_ASIDE_MIN: '0',
    });
    // One thread, spilled: the budget's smallest.
    const single = await run('single', { CUTOVER_THREADS: '0', CUTOVER_FORCE_SPILL: '1' }, [
      '--memory',
      '512',
    ]);
    expect(threads.reads.map((r) => [r.side, r.readerThread])).toEqual([
      ['legacy', true],
      ['cloud', true],
    ]);
    expect(single.reads.map((r) => r.readerThread)).toEqual([false, false]);
    expect(threads.joinThread).toEqual([true]);
    expect(single.joinThread).toEqual([false]);
    expect(threads.checkpointAside).toEqual([true]);
    expect(single.checkpointAside).toEqual([false]);
    expect(threads.spilled).toEqual([false]);
    expect(single.spilled).toEqual([true]);
    // The diagnosis thread made the diagnosis (over 5,000 differences), against the main thread's.
    expect(threads.diagnosisThread).toEqual([true]);
    expect(single.diagnosisThread).toEqual([false]);

    const s = threads.summary as Record<string, unknown> & typeof threads.summary;
    const same = (x: typeof s) => ({
      counts: x.counts,
      fieldMismatches: x.fieldMismatches,
      totals: x.totals,
      checks: (x as Record<string, unknown>).checks,
      status: x.status,
      causes: (x as Record<string, unknown>).causes,
    });
    expect(same(s)).toEqual(same(single.summary as typeof s));
    expect((s as unknown as { causes: unknown[] }).causes.length).toBeGreaterThan(0);
    // The same differences in the same order, whichever threads read and joined them.
    expect(threads.diffs).toEqual(single.diffs);

    // What was planted: 12 gaps in legacy (i % 1000 = 7), 8 in cloud (i % 1500 = 11), amounts
    // off by 0.00001 every 400th, statuses every 700th (not where i % 5 = 0), cycle times by i % 2.
    const missingInLegacy = Math.floor((N - 7) / 1000) + 1;
    const missingInCloud = Math.floor((N - 11) / 1500) + 1;
    expect(s.counts).toMatchObject({ missingInCloud: missingInCloud, missingInLegacy: missingInLegacy });
    expect(s.counts.legacy).toBe(N - missingInLegacy);
    expect(s.counts.cloud).toBe(N - missingInCloud);
    // The open scale: 4 digits in legacy, 5 where the cloud carries the extra 0.00001.
    const web = s.totals.find((l) => l.field === 'amount' && l.by.channel === 'web');
    expect(web?.scale).toBe(5);
    expect(web?.legacy).toMatch(/^\d+\.\d{5}$/);
    const cycle = (
      s as unknown as { checks: { cycleTime: { side: string; channel: null | string; refunds: number }[] } }
    ).checks.cycleTime;
    expect(cycle.find((c) => c.side === 'legacy' && c.channel === null)?.refunds).toBe(N - missingInLegacy);
    expect(cycle.find((c) => c.side === 'cloud' && c.channel === null)?.refunds).toBe(N - missingInCloud);
  });
});

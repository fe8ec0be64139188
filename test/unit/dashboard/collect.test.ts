/**
 * The dashboard's figures read from a real control store, SQLite and PostgreSQL alike: runs over
 * three nights, an exception queue with history, a replay run and a rollback plan, seeded through
 * the store; then collectDashboard and the page rendered from it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openControlStore, type ControlStore } from '../../../src/store/control-store.js';
import { createRun, finishRun } from '../../../src/store/runs.js';
import { collectDashboard, type DashboardData } from '../../../src/dashboard/collect.js';
import { renderDashboard } from '../../../src/dashboard/render-html.js';
import { createTestDatabase } from '../../helpers/pg.js';

const now = new Date('2026-12-10T12:00:00.000Z');
const H = 3_600_000;
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

function reconcileSummary(mismatched: number, diffs: string[], extra: Record<string, unknown> = {}) {
  return {
    status: 'differences',
    counts: {
      legacy: 100,
      cloud: 100,
      matched: 100 - mismatched,
      mismatched,
      missingInCloud: 2,
      missingInLegacy: 0,
      duplicateKeys: 1,
    },
    fieldMismatches: {},
    totals: diffs.map((difference, i) => ({
      group: 'on_hand by location',
      by: { location: `L${i}` },
      field: 'on_hand',
      legacy: '0',
      cloud: difference,
      difference,
    })),
    ...extra,
  };
}

async function seed(store: ControlStore): Promise<void> {
  const run = async (
    command: string,
    name: string | undefined,
    at: string,
    status: string,
    summary: unknown,
  ) => {
    const id = await createRun(store, {
      prefix: command === 'replay' ? 'p' : 'r',
      command,
      name,
      now: new Date(at),
    });
    await finishRun(store, id, status, summary);
    return id;
  };
  await run(
    'reconcile',
    'inventory',
    '2026-12-08T02:00:00.000Z',
    'differences',
    reconcileSummary(9, ['-0.1', '0.2']),
  );
  await run(
    'reconcile',
    'inventory',
    '2026-12-09T02:00:00.000Z',
    'differences',
    reconcileSummary(5, ['12.5', '-12.5']),
  );
  await run(
    'reconcile',
    'refunds',
    '2026-12-09T02:05:00.000Z',
    'differences',
    reconcileSummary(3, [], {
      causes: [
        { kind: 'batch_lag', count: 2 },
        { kind: 'rounding', count: 1 },
      ],
      checks: {
        cycleTime: [
          { side: 'legacy', channel: null, refunds: 10, negative: 0, p50Ms: 2 * H, p90Ms: 5 * H },
          { side: 'cloud', channel: null, refunds: 10, negative: 1, p50Ms: 3 * H, p90Ms: 7 * H + 18_000 },
        ],
      },
    }),
  );
  await run('reconcile', 'inventory', '2026-12-10T02:00:00.000Z', 'clean', reconcileSummary(0, []));
  // Older than --days: left out.
  await run('reconcile', 'inventory', '2026-10-01T02:00:00.000Z', 'clean', reconcileSummary(77, []));
  const replay = await run('replay', undefined, '2026-12-09T01:00:00.000Z', 'failures', {
    counts: { read: 120, applied: 110, alreadyApplied: 3, failed: 2, parked: 5 },
    eventsPerSecond: 412.5,
  });

  const item = async (
    first: string,
    status: string,
    size: string,
    assignee: string | null,
    changes: [string, string][],
  ) => {
    const [row] = await store
      .knex('cutover_exceptions')
      .insert({
        kind: 'mismatch',
        mapping: 'inventory',
        key_text: `${first}|${status}|${size}`,
        status,
        size_severity: size,
        first_seen: first,
        last_seen: first,
        assignee,
        updated_at: first,
      })
      .returning('id');
    const id = typeof row === 'object' ? (row as { id: number }).id : (row as number);
    for (const [at, to] of [[first, 'open'] as [string, string], ...changes])
      await store
        .knex('cutover_exception_history')
        .insert({ exception_id: id, at, who: 'test', action: 'x', to_status: to });
  };
  await item(ago(2 * H), 'open', 'low', null, []); // 0–1 d, low
  await item(ago(48 * H), 'assigned', 'medium', 'ana', [[ago(40 * H), 'assigned']]); // 1–3 d, medium
  await item(ago(5 * 24 * H), 'open', 'low', null, []); // 3–7 d: age raises it to medium
  await item(ago(10 * 24 * H), 'open', 'low', 'bo', []); // > 7 d: high by age
  await item('2026-12-08T02:01:00.000Z', 'resolved', 'high', null, [
    ['2026-12-09T02:01:00.000Z', 'resolved'],
  ]);

  const plan = {
    counts: { ok: 7, conflict: 1, manual: 2, alreadyUndone: 0 },
    actions: [
      {
        eventId: 'e1',
        eventType: 'refund.issued',
        eventKey: 'RF1',
        status: 'manual',
        reason: 'reverse it',
        amounts: { amount: '-10.10', tax: '1.5' },
      },
      {
        eventId: 'e2',
        eventType: 'refund.issued',
        eventKey: 'RF2',
        status: 'manual',
        reason: 'reverse it',
        amounts: { amount: '0.90' },
      },
      { eventId: 'e3', eventType: 'stock.moved', eventKey: 'S1', status: 'ok', amounts: { on_hand: '4' } },
    ],
  };
  await store.knex('cutover_rollback_plans').insert({
    id: 'b_20261209_0300',
    run_id: replay,
    target: '[]',
    created_at: '2026-12-09T03:00:00.000Z',
    hash: 'x'.repeat(64),
    status: 'planned',
    plan: JSON.stringify(plan),
    counts: JSON.stringify(plan.counts),
  });
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`collectDashboard (${kind} control store)`, () => {
    let store: ControlStore;
    let cleanup: () => Promise<void>;
    let d: DashboardData;

    beforeAll(async () => {
      if (kind === 'postgres') {
        const db = await createTestDatabase('cutover_dash');
        store = await openControlStore(db.url);
        cleanup = async () => {
          await store.close();
          await db.drop();
        };
      } else {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-dash-unit-'));
        store = await openControlStore(`sqlite:${path.join(dir, 'control.db')}`);
        cleanup = async () => {
          await store.close();
          fs.rmSync(dir, { recursive: true, force: true });
        };
      }
      await seed(store);
      d = await collectDashboard(store, { days: 14, now });
    });
    afterAll(async () => cleanup?.());

    it('groups the runs of the window into nights and keeps per mapping its kinds and exact absolute variance', () => {
      expect(d.nights.map((n) => n.label)).toEqual([
        '1 · 2026-12-08 02:00 UTC',
        '2 · 2026-12-09 02:00 UTC',
        '3 · 2026-12-10 02:00 UTC',
      ]);
      expect(d.mappings.map((m) => m.name)).toEqual(['inventory', 'refunds']);
      const inv = d.mappings[0]!;
      expect(inv.nights.map((n) => [n.night, n.kinds.mismatched, n.kinds.duplicateKeys])).toEqual([
        ['1 · 2026-12-08 02:00 UTC', 9, 1],
        ['2 · 2026-12-09 02:00 UTC', 5, 1],
        ['3 · 2026-12-10 02:00 UTC', 0, 1],
      ]);
      // 12.5 and -12.5 net to 0 but are 25 apart; 0.1 + 0.2 is exactly 0.3.
      expect(inv.nights.map((n) => n.variance['on_hand by location: on_hand'])).toEqual([
        '0.3',
        '25.0',
        undefined,
      ]);
      expect(inv.nights.every((n) => n.confirm === null && n.causes === null)).toBe(true);
      expect(d.mappings[1]!.nights[0]!.causes).toEqual({ batch_lag: 2, rounding: 1 });
      expect(d.hasCauses).toBe(true);
    });

    it('ages the backlog by first sighting, with the queue’s effective severity, by assignee, and burns it down per night', () => {
      expect(d.queue.total).toBe(5);
      expect(d.queue.backlog).toBe(4);
      expect(d.queue.aging).toEqual({
        '0–1 d': { low: 1, medium: 0, high: 0 },
        '1–3 d': { low: 0, medium: 1, high: 0 },
        '3–7 d': { low: 0, medium: 1, high: 0 },
        '> 7 d': { low: 0, medium: 0, high: 1 },
      });
      expect(d.queue.byAssignee).toEqual({
        '(unassigned)': { low: 1, medium: 1, high: 0 },
        ana: { low: 0, medium: 1, high: 0 },
        bo: { low: 0, medium: 0, high: 1 },
      });
      expect(d.queue.burnDown).toEqual([
        // Night 1 (12-08 02:00 to 12-09 02:00) opens the 2-day-old item and the one resolved in night 2;
        // the 5- and 10-day-old items were open before it, so they count in its backlog only.
        { night: '1 · 2026-12-08 02:00 UTC', opened: 2, resolved: 0, backlog: 4 },
        { night: '2 · 2026-12-09 02:00 UTC', opened: 0, resolved: 1, backlog: 3 },
        { night: '3 · 2026-12-10 02:00 UTC', opened: 1, resolved: 0, backlog: 4 },
      ]);
    });

    it('reads replay runs, the last rollback plan with its amounts at stake, and refund cycle times', () => {
      expect(d.replay).toEqual([
        expect.objectContaining({
          read: 120,
          applied: 110,
          alreadyApplied: 3,
          failed: 2,
          parked: 5,
          eventsPerSecond: 412.5,
        }),
      ]);
      expect(d.rollback).toMatchObject({
        planId: 'b_20261209_0300',
        counts: { ok: 7, conflict: 1, manual: 2 },
        atStake: { amount: '11.00', tax: '1.5' },
      });
      expect(d.rollback!.manual.map((m) => m.eventId)).toEqual(['e1', 'e2']);
      expect(d.parity.map((p) => [p.mapping, p.side, p.p50Ms, p.p90Ms])).toEqual([
        ['refunds', 'legacy', 2 * H, 5 * H],
        ['refunds', 'cloud', 3 * H, 7 * H + 18_000],
      ]);
    });

    it('renders every section, causes and parity included, with the exact figures in its tables', () => {
      const html = renderDashboard(d, '/* the charting library */');
      expect([...html.matchAll(/<section id="([^"]+)"/g)].map((m) => m[1])).toEqual([
        'reconcile',
        'causes',
        'queue',
        'replay',
        'rollback',
        'parity',
      ]);
      expect(html).toContain('<td data-key="on_hand by location: on_hand">25.0</td>');
      expect(html).toContain('<b data-stake="amount">11.00</b>');
      // 7 h 18 s is 7.005 h: 7.01 rounded half up, exactly.
      expect(html).toMatch(
        /data-side="cloud"[^>]*><th scope="row">refunds · all channels<\/th><td data-key="side">cloud<\/td><td data-key="refunds">10<\/td><td data-key="p50">3\.00<\/td><td data-key="p90">7\.01<\/td>/,
      );
      expect(html).toContain('<td data-key="eventsPerSecond">412.5</td>');
      expect((html.match(/<canvas /g) ?? []).length).toBe(10);
    });

    it('draws an empty store without failing: each section says it has nothing yet', async () => {
      const empty = await collectDashboard(store, { days: 14, now: new Date('2027-06-01T00:00:00Z') });
      expect(empty.nights).toEqual([]);
      const html = renderDashboard({ ...empty, rollback: null }, '');
      expect(html).toContain('No reconcile run in the last 14 days.');
      expect(html).toContain('No replay run in the last 14 days.');
      expect(html).toContain('No rollback plan has been made yet.');
      expect(html).not.toContain('id="causes"');
      expect(html).not.toContain('id="parity"');
    });
  });
}

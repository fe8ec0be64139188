/** The assertions every engine pair must pass on the planted scenario, run through the real binary. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../../helpers/cli.js';
import {
  expectedOf,
  fmt,
  readDifferences,
  summarySchema,
  type Expected,
  type Scenario,
  type Summary,
} from './fixture.js';

/** Runs `reconcile inventory --json` with extra args and checks the run against the reference classification. */
export async function checkScenario(
  dir: string,
  scenario: Scenario,
  window: { since?: Date; until?: Date; args?: string[] } = {},
  name = 'inventory',
): Promise<{ summary: Summary; expected: Expected }> {
  const res = await runCli(['reconcile', name, '--json', ...(window.args ?? [])], { cwd: dir });
  expect(res.stderr).not.toMatch(/^Error:/m);
  expect(res.code).toBe(1);
  const summary = summarySchema.parse(res.json());
  const expected = expectedOf(scenario, window.since, window.until);
  // Checksum pushdown (auto) matched the agreeing buckets in the databases, except where a window
  // or a query: source makes the run stream, or a side is SQLite (read in this process, where
  // streaming is faster than hashing); either way the figures below are the reference's.
  const pushdown = (res.json() as { pushdown?: { mode: string; reason?: string } }).pushdown;
  const embedded = embeddedSide(dir);
  const pushable = name === 'inventory' && !window.args;
  if (pushable && !embedded) expect(pushdown).toMatchObject({ mode: 'checksum' });
  else if (pushable)
    expect(pushdown).toEqual({
      mode: 'stream',
      reason: expect.stringMatching(
        new RegExp(`^the ${embedded} source \\(sqlite\\) is read in this process`),
      ),
    });
  else expect(pushdown?.mode).toBe('stream');

  expect(summary.status).toBe('differences');
  expect(summary.counts).toEqual(expected.counts);
  expect(summary.fieldMismatches).toEqual(expected.fieldMismatches);

  // Control totals: on_hand by location and the inventory value, exactly, per side.
  const byLocation = summary.totals.filter((t) => t.group === 'on_hand by location' && t.field === 'on_hand');
  expect(
    Object.fromEntries(byLocation.map((t) => [t.by.location, [t.legacy, t.cloud, t.difference]])),
  ).toEqual(
    Object.fromEntries(
      Object.entries(expected.totals.location).map(([loc, v]) => [
        loc,
        [fmt(v.legacy, 3), fmt(v.cloud, 3), fmt(v.cloud - v.legacy, 3)],
      ]),
    ),
  );
  const value = summary.totals.find((t) => t.field === 'on_hand*unit_cost');
  expect(value).toMatchObject({
    legacy: fmt(expected.totals.value.legacy, 7),
    cloud: fmt(expected.totals.value.cloud, 7),
    difference: fmt(expected.totals.value.cloud - expected.totals.value.legacy, 7),
    scale: 7,
  });

  // differences.jsonl: exactly the known differences, decimals at their scale.
  const lines = readDifferences(dir, summary.runId);
  expect(lines.map((d) => `${d.type}|${d.key.sku}|${d.key.location}`).sort()).toEqual(expected.differences);
  if (pushable) {
    // The other way gives the very same run (differences.jsonl line for line, totals, counts):
    // streaming every row where auto pushed down, pushing down (`on`) where auto streamed.
    const other = await runCli(['reconcile', name, '--json', '--pushdown', embedded ? 'on' : 'off'], {
      cwd: dir,
    });
    expect(other.code, other.stderr).toBe(1);
    const again = summarySchema.parse(other.json());
    const pushed = embedded ? summary : again;
    const checked = (embedded ? other : res).json() as { pushdown: { rowsMatchedInDatabase: number } };
    expect(checked.pushdown).toMatchObject({ mode: 'checksum' });
    expect(checked.pushdown.rowsMatchedInDatabase).toBeGreaterThan(0);
    if (!embedded)
      expect(other.json()).toMatchObject({ pushdown: { mode: 'stream', reason: 'pushdown is off' } });
    expect(again.counts).toEqual(summary.counts);
    expect(again.totals).toEqual(summary.totals);
    const sorted = (id: string) =>
      readDifferences(dir, id)
        .map((d) => JSON.stringify({ ...d, runId: undefined }))
        .sort();
    expect(sorted(again.runId)).toEqual(sorted(pushed.runId));
  }
  for (const d of lines.filter((x) => x.type === 'mismatch' && x.fields?.on_hand))
    expect(d.fields!.on_hand!.delta).toBe('1.000');
  const nullVsEmpty = lines.filter((x) => x.fields?.status);
  for (const d of nullVsEmpty) expect(d.fields!.status).toMatchObject({ legacy: null, cloud: '' });
  expect(lines.filter((x) => x.type === 'duplicate_key')).toEqual(
    expected.counts.duplicateKeys
      ? [
          expect.objectContaining({
            side: 'legacy',
            count: 2,
            key: expect.objectContaining({ sku: 'SKU-0005' }),
          }),
        ]
      : [],
  );

  // The run and every difference are in the control store.
  const db = new Database(path.join(dir, '.cutover', 'control.db'), { readonly: true });
  try {
    const run = db.prepare('SELECT status, summary FROM cutover_runs WHERE id = ?').get(summary.runId) as {
      status: string;
      summary: string;
    };
    expect(run.status).toBe('differences');
    expect(JSON.parse(run.summary).counts).toEqual(summary.counts);
    const stored = db
      .prepare('SELECT type, key_text FROM cutover_differences WHERE run_id = ? ORDER BY seq')
      .all(summary.runId) as { type: string; key_text: string }[];
    expect(stored.length).toBe(lines.length);
    expect(stored.map((r) => `${r.type}|${(JSON.parse(r.key_text) as string[]).join('|')}`).sort()).toEqual(
      expected.differences,
    );
  } finally {
    db.close();
  }
  expect(fs.existsSync(path.join(dir, summary.reports.json!))).toBe(true);
  expect(fs.readdirSync(path.join(dir, 'reports', summary.runId)).filter((f) => f.endsWith('.tmp'))).toEqual(
    [],
  );
  return { summary, expected };
}

/** The side whose connection is SQLite (legacy first), from the project's cutover.yaml. */
function embeddedSide(dir: string): 'legacy' | 'cloud' | undefined {
  const config = parse(fs.readFileSync(path.join(dir, 'cutover.yaml'), 'utf8')) as {
    connections: Record<string, { url?: string }>;
  };
  return (['legacy', 'cloud'] as const).find((side) => config.connections[side]?.url?.startsWith('sqlite:'));
}

export const WINDOW = {
  since: new Date('2026-11-18T00:00:00Z'),
  until: new Date('2026-11-21T12:00:00Z'),
  args: ['--since', '2026-11-18', '--until', '2026-11-21T12:00:00Z'],
};

/** A mapping whose sides hold an unreadable row outside WINDOW fails without the window and passes with it. */
export async function checkPushdown(dir: string, scenario: Scenario, name: string): Promise<void> {
  const whole = await runCli(['reconcile', name], { cwd: dir });
  expect(whole.code).toBe(2);
  expect(whole.stderr).toMatch(/"n\/a"/);
  // The failed run is recorded as such, and leaves no half-written file behind.
  const db = new Database(path.join(dir, '.cutover', 'control.db'), { readonly: true });
  const failed = db
    .prepare('SELECT id, status FROM cutover_runs WHERE name = ? ORDER BY started_at DESC, id DESC')
    .get(name) as { id: string; status: string };
  db.close();
  expect(failed.status).toBe('error');
  const folder = path.join(dir, 'reports', failed.id);
  expect(fs.existsSync(folder), `${folder} is left behind`).toBe(false);
  await checkScenario(dir, scenario, WINDOW, name);
}

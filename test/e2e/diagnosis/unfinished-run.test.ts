/**
 * `diagnose` on a reconcile run that did not finish (interrupted, ended in an error, still running)
 * refuses as `report` does: exit 2, one paragraph saying the run did not finish and to reconcile
 * again. It printed `{"differences":0,"explained":0,"causes":[]}` with exit 0, a clean bill for a run
 * that compared nothing, and wrote `causes` into a failed run's summary. A run stopped at
 * --max-differences is still diagnosed, on the differences it recorded (docs/signoff.md).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { expectBadInput, itemsMapping, makeProject, sqliteDb } from '../config/project.js';
import { openControlStore } from '../../../src/store/control-store.js';
import { createRun, finishRun, setRunStatus } from '../../../src/store/runs.js';
import { stopHeartbeat } from '../../../src/store/run-liveness.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

let project: ReturnType<typeof makeProject>;
const ids: Record<'interrupted' | 'error' | 'running', string> = { interrupted: '', error: '', running: '' };
const ERROR_SUMMARY = { runId: '', name: 'items', error: 'the legacy side went away' };

beforeAll(async () => {
  project = makeProject({
    'cutover.yaml':
      'connections:\n  legacy: { url: "sqlite:legacy.db", readOnly: true }\n  cloud: { url: "sqlite:cloud.db" }\ncontrol: { url: "sqlite:.cutover/control.db" }\n',
    'mappings/items.yaml': itemsMapping('items'),
  });
  const table = 'CREATE TABLE items (sku TEXT, qty TEXT);';
  const rows = (qty: (i: number) => string) =>
    Array.from({ length: 10 }, (_, i) => `('S${i}', '${qty(i)}')`).join(', ');
  sqliteDb(
    path.join(project.dir, 'legacy.db'),
    `${table} INSERT INTO items VALUES ${rows((i) => `${i}.00`)};`,
  );
  // Three rows differ: qty + 12 on S0..S2.
  sqliteDb(
    path.join(project.dir, 'cloud.db'),
    `${table} INSERT INTO items VALUES ${rows((i) => `${i < 3 ? i + 12 : i}.00`)};`,
  );
  // A first run makes the control store; the others are recorded as a dead or failed run leaves them.
  const first = await runCli(['reconcile', 'items', '--json'], { cwd: project.dir });
  expect(first.code, first.stderr).toBe(1);
  const store = await openControlStore(`sqlite:${path.join(project.dir, '.cutover/control.db')}`);
  try {
    const at = (min: number) => new Date(Date.UTC(2026, 10, 26, 2, min));
    ids.interrupted = await createRun(store, {
      prefix: 'r',
      command: 'reconcile',
      name: 'items',
      now: at(0),
    });
    stopHeartbeat(ids.interrupted);
    await setRunStatus(store, ids.interrupted, 'interrupted');
    ids.error = await createRun(store, { prefix: 'r', command: 'reconcile', name: 'items', now: at(5) });
    ERROR_SUMMARY.runId = ids.error;
    await finishRun(store, ids.error, 'error', ERROR_SUMMARY);
    // Still running: its process (this one) is alive, so no command marks it interrupted.
    ids.running = await createRun(store, { prefix: 'r', command: 'reconcile', name: 'items', now: at(10) });
    stopHeartbeat(ids.running);
  } finally {
    await store.close();
  }
});
afterAll(() => project.cleanup());

describe('diagnose and report on a run that did not finish', () => {
  it.each([
    ['interrupted', /did not finish: it was interrupted/],
    ['error', /did not finish: it ended in an error \(`cutover runs show r_\w+` says which\)/],
  ] as const)('a %s run: exit 2, says to reconcile again, changes nothing', async (status, why) => {
    const id = ids[status];
    const d = await runCli(['diagnose', id, '--json'], { cwd: project.dir });
    const paragraph = expectBadInput(
      d,
      `Error: Run "${id}" (reconcile of items) did not finish`,
      why,
      'so it has no reconciliation summary to diagnose.',
      'Run `cutover reconcile items` again and use the new run (`cutover runs list --name items` lists it).',
    );
    expect(d.json()).toEqual({ status: 'error', exitCode: 2, error: paragraph.replace(/^Error: /, '') });

    const r = await runCli(['report', id, '--format', 'json', '--json'], { cwd: project.dir });
    expectBadInput(
      r,
      why,
      'so it has no reconciliation summary to report on.',
      '`cutover reconcile items` again',
    );

    // Nothing written into the run: no causes in a failed run's summary.
    const show = (await runCli(['runs', 'show', id, '--json'], { cwd: project.dir })).json();
    expect(show.status).toBe(status);
    expect(show.summary).toEqual(status === 'error' ? ERROR_SUMMARY : null);
  });

  it('a run still running: exit 2, says to wait for it', async () => {
    const d = await runCli(['diagnose', ids.running], { cwd: project.dir });
    expectBadInput(
      d,
      `Error: Run "${ids.running}" (reconcile of items) has not finished: it is still running, so it has no reconciliation summary to diagnose.`,
      `Wait for it to finish (\`cutover runs show ${ids.running}\` shows its status), then run this again.`,
    );
  });

  it('a run stopped at --max-differences is diagnosed on the differences it recorded', async () => {
    const run = await runCli(['reconcile', 'items', '--max-differences', '1', '--json'], {
      cwd: project.dir,
    });
    expect(run.code, run.stderr).toBe(1);
    const summary = run.json<{ runId: string; status: string }>();
    expect(summary.status).toBe('stopped');
    const d = await runCli(['diagnose', summary.runId, '--json'], { cwd: project.dir });
    expect(d.code, d.stderr).toBe(0);
    expect(d.json()).toMatchObject({ runId: summary.runId, differences: 1 });
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, it, expect } from 'vitest';
import { claimRun, deadReason, STALE_MS, stopHeartbeat } from '../../../src/store/run-liveness.js';
import { openControlStore } from '../../../src/store/control-store.js';
import { createRun } from '../../../src/store/runs.js';
import { UsageError } from '../../../src/errors.js';

const host = os.hostname();
const now = Date.parse('2026-11-26T03:00:00Z');
const row = (over: Partial<Parameters<typeof deadReason>[0]>) => ({
  id: 'r_1',
  status: 'running',
  host,
  pid: process.ppid,
  heartbeat_at: new Date(now - 1000).toISOString(),
  started_at: '2026-11-26T02:00:00Z',
  ...over,
});

describe('deadReason', () => {
  it('a run of this host is alive while its process is', () => {
    expect(deadReason(row({}), now, host)).toBeUndefined();
    // A stale heartbeat does not matter on this host: the process is the proof.
    expect(deadReason(row({ heartbeat_at: '2026-11-20T00:00:00Z' }), now, host)).toBeUndefined();
  });
  it('a run of this host whose process is gone is dead', () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    expect(deadReason(row({ pid: gone }), now, host)).toMatch(new RegExp(`process ${gone} .* is gone`));
    expect(deadReason(row({ pid: String(gone) }), now, host)).toMatch(/is gone/);
  });
  it('a run of another host is dead once its heartbeat is older than the threshold', () => {
    const other = row({ host: 'elsewhere', pid: 1 });
    expect(
      deadReason({ ...other, heartbeat_at: new Date(now - STALE_MS + 1000).toISOString() }, now, host),
    ).toBeUndefined();
    expect(
      deadReason({ ...other, heartbeat_at: new Date(now - STALE_MS - 1000).toISOString() }, now, host),
    ).toMatch(/no heartbeat since/);
  });
  it('a run recorded before heartbeats existed is judged by when it started', () => {
    const old = row({ pid: null, heartbeat_at: null });
    expect(deadReason(old, now, host)).toMatch(/no heartbeat since 2026-11-26T02:00:00Z/);
    expect(
      deadReason({ ...old, started_at: new Date(now - 60_000).toISOString() }, now, host),
    ).toBeUndefined();
  });
});

describe('claimRun', () => {
  it('refuses a run still running in another live process, and takes over one whose process is gone', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'claim-'));
    const store = await openControlStore(`sqlite:${dir}/runs.db`);
    try {
      const id = await createRun(store, { prefix: 'p', command: 'replay' });
      stopHeartbeat(id); // the row stands for another process from here on
      // The test runner's parent process: alive, and not this process.
      await store.knex('cutover_runs').where({ id }).update({ status: 'running', pid: process.ppid, host });
      const refused = claimRun(store, id, 'running');
      await expect(refused).rejects.toBeInstanceOf(UsageError);
      await expect(refused).rejects.toThrow(
        new RegExp(`Run ${id} is still running \\(pid ${process.ppid} on host .*\\); wait for it or stop it`),
      );
      expect((await store.knex('cutover_runs').where({ id }).first('pid')).pid).toBe(process.ppid);

      const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
      await store.knex('cutover_runs').where({ id }).update({ pid: gone });
      await claimRun(store, id, 'running');
      expect(await store.knex('cutover_runs').where({ id }).first('pid', 'status')).toEqual({
        pid: process.pid,
        status: 'running',
      });
      stopHeartbeat(id);
    } finally {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

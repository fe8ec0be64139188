import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { describe, it, expect } from 'vitest';
import { deadReason, STALE_MS } from '../../../src/store/run-liveness.js';

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

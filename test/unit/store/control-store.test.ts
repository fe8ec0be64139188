import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openControlStore, type ControlStore } from '../../../src/store/control-store.js';
import { audit, countRuns, createRun, finishRun, getRun, listRuns } from '../../../src/store/runs.js';
import { createTestDatabase } from '../../helpers/pg.js';
import { UsageError } from '../../../src/errors.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'create-runs-child.ts');

/** Runs N child processes that each open the store and create `count` runs in the same minute. */
async function concurrentRuns(url: string, processes: number, count: number): Promise<string[][]> {
  const startAt = Date.now() + 1500;
  return Promise.all(
    Array.from(
      { length: processes },
      () =>
        new Promise<string[]>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            ['--import', 'tsx', CHILD, url, String(count), String(startAt)],
            {
              stdio: ['ignore', 'pipe', 'pipe'],
            },
          );
          let out = '';
          let err = '';
          child.stdout.on('data', (d) => (out += d));
          child.stderr.on('data', (d) => (err += d));
          child.on('close', (code) =>
            code === 0
              ? resolve(JSON.parse(out) as string[])
              : reject(new Error(`child exited ${code}: ${err}`)),
          );
        }),
    ),
  );
}

function expectDistinctSequence(all: string[][], total: number): void {
  const ids = all.flat();
  expect(ids).toHaveLength(total);
  expect(new Set(ids).size).toBe(total);
  const base = 'r_20261126_0200_inventory';
  const expected = [base, ...Array.from({ length: total - 1 }, (_, i) => `${base}_${i + 2}`)];
  expect([...ids].sort()).toEqual([...expected].sort());
}

async function exerciseRuns(store: ControlStore): Promise<void> {
  const now = new Date('2026-11-26T02:00:00Z');
  const a = await createRun(store, {
    prefix: 'r',
    command: 'reconcile',
    name: 'inventory',
    now,
    user: 'ana',
  });
  const b = await createRun(store, {
    prefix: 'r',
    command: 'reconcile',
    name: 'inventory',
    now,
    user: 'ana',
  });
  const c = await createRun(store, { prefix: 'p', command: 'replay', now: new Date('2026-11-26T02:10:00Z') });
  expect([a, b, c]).toEqual(['r_20261126_0200_inventory', 'r_20261126_0200_inventory_2', 'p_20261126_0210']);
  await finishRun(store, a, 'differences', { counts: { legacy: 3, cloud: 2 } });
  const run = await getRun(store, a);
  expect(run).toMatchObject({
    id: a,
    command: 'reconcile',
    name: 'inventory',
    status: 'differences',
    user: 'ana',
  });
  expect(run.summary).toEqual({ counts: { legacy: 3, cloud: 2 } });
  expect(run.finishedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  expect((await listRuns(store)).map((r) => r.id)).toEqual([c, b, a]);
  expect((await listRuns(store, { command: 'reconcile', limit: 1 })).map((r) => r.id)).toEqual([b]);
  expect(await countRuns(store, { command: 'reconcile' })).toBe(2);
  expect(await countRuns(store, { name: 'nope' })).toBe(0);
  const err = await getRun(store, 'r_nope').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(UsageError);
  expect((err as UsageError).message).toBe('There is no run "r_nope" in the control store.');
  expect((err as UsageError).hint).toContain(`Recent runs: ${c}, ${b}, ${a}.`);
  await audit(store, { action: 'test', subject: a, detail: { x: 1 }, user: 'ana' });
  const rows = await store.knex('cutover_audit').select();
  expect(rows).toMatchObject([{ action: 'test', subject: a, user_name: 'ana', detail: '{"x":1}' }]);
}

describe('control store on SQLite', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-store-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates its folder and schema on first use, in WAL mode, and reopens without migrating again', async () => {
    const url = `sqlite:${dir}/nested/control.db`;
    const store = await openControlStore(url);
    expect(store.dialect).toBe('sqlite');
    const mode = (await store.knex.raw('PRAGMA journal_mode')) as { journal_mode: string }[];
    expect(mode[0]!.journal_mode).toBe('wal');
    const applied = await store.knex('cutover_migrations').pluck('name');
    expect(applied).toContain('001-core');
    await store.close();
    const again = await openControlStore(url);
    expect(await again.knex('cutover_migrations').pluck('name')).toEqual(applied);
    await again.close();
  });

  it('records, lists and finds runs', async () => {
    const store = await openControlStore(`sqlite:${dir}/runs.db`);
    try {
      await exerciseRuns(store);
    } finally {
      await store.close();
    }
  });

  it('gives concurrent processes distinct run ids, migrating a fresh file once', async () => {
    expectDistinctSequence(await concurrentRuns(`sqlite:${dir}/concurrent.db`, 3, 15), 45);
  });

  it('refuses an unsupported URL with a fix', async () => {
    await expect(openControlStore('mysql://u:pw@h/db')).rejects.toThrow(
      'The control store URL mysql://u:***@h/db is not supported.',
    );
  });
});

describe('control store on PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  afterEach(async () => {
    await db?.drop();
  });

  it('migrates a fresh database and records runs', async () => {
    db = await createTestDatabase();
    const store = await openControlStore(db.url);
    try {
      expect(store.dialect).toBe('postgres');
      await exerciseRuns(store);
    } finally {
      await store.close();
    }
  });

  it('lets processes that start together on a fresh database migrate once and never share a run id', async () => {
    db = await createTestDatabase();
    expectDistinctSequence(await concurrentRuns(db.url, 4, 25), 100);
    const store = await openControlStore(db.url);
    try {
      const applied = await store.knex('cutover_migrations').pluck('name');
      expect(applied.filter((n: string) => n === '001-core')).toHaveLength(1);
      expect(await countRuns(store)).toBe(100);
    } finally {
      await store.close();
    }
  });

  it('names an unreachable store without its password', async () => {
    const err = await openControlStore('postgres://u:topsecret@127.0.0.1:1/x').catch((e: Error) => e);
    expect((err as Error).message).toMatch(
      /^Cannot open the control store postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/x: /,
    );
    expect((err as Error).message).not.toContain('topsecret');
  });
});

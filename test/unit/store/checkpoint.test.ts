/**
 * A run with many differences holds a SQLite store's checkpoints through its queue sync and then
 * copies the WAL into the file on a thread of its own (run-reconcile.ts): after `holdCheckpoints`
 * the store's connection checkpoints at no commit; after `checkpointAside` the database file alone
 * holds what was written, with the WAL still open beside it, and the connection's checkpoints are
 * back. A PostgreSQL store has no such log.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openControlStore, type ControlStore } from '../../../src/store/control-store.js';
import { freshStore } from '../exceptions/fixtures.js';
import { WAL_AUTOCHECKPOINT } from '../../../src/adapters/sqlite/store-pragmas.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-checkpoint-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The rows of `t` in a copy of the database file alone, without its WAL (what a checkpoint copied). */
function rowsInFileAlone(file: string): number {
  const copy = path.join(tmp, `${Math.random()}.db`);
  fs.copyFileSync(file, copy);
  const db = new Database(copy, { readonly: true });
  try {
    const has = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 't'").get() as { n: number };
    return has.n ? (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n : 0;
  } finally {
    db.close();
  }
}

/** 500 rows of a new table `t`, written: in the WAL, not yet in the file alone. */
async function writeToWal(store: ControlStore, file: string): Promise<void> {
  await store.knex.schema.createTable('t', (t) => t.integer('n'));
  await store.knex('t').insert(Array.from({ length: 500 }, (_, n) => ({ n })));
  expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(0);
  expect(rowsInFileAlone(file)).toBe(0);
}

const interval = async (store: ControlStore) =>
  Number(
    ((await store.knex.raw('PRAGMA wal_autocheckpoint')) as { wal_autocheckpoint: number }[])[0]!
      .wal_autocheckpoint,
  );

describe('checkpoints', () => {
  it('copies a SQLite store’s WAL into its file while the store stays open', async () => {
    const file = path.join(tmp, 'main.db');
    const store = await openControlStore(`sqlite:${file}`);
    try {
      await writeToWal(store, file);
      await store.db.checkpoint!();
      expect(rowsInFileAlone(file)).toBe(500);
    } finally {
      await store.close();
    }
  });

  it('copies a SQLite store’s WAL into its file on a thread while the store stays open', async () => {
    const file = path.join(tmp, 'control.db');
    const store = await openControlStore(`sqlite:${file}`);
    try {
      expect(await interval(store)).toBe(WAL_AUTOCHECKPOINT);
      await store.db.holdCheckpoints!();
      expect(await interval(store)).toBe(0);
      await writeToWal(store, file);
      await store.db.checkpointAside!();
      expect(rowsInFileAlone(file)).toBe(500);
      expect(await interval(store)).toBe(WAL_AUTOCHECKPOINT);
      // The store goes on as before.
      await store.knex('t').insert({ n: 500 });
      expect(Number((await store.knex('t').count({ n: '*' }))[0]!.n)).toBe(501);
    } finally {
      await store.close();
    }
  });

  it('holds the checkpoint a commit past the interval would make', async () => {
    const file = path.join(tmp, 'held.db');
    const store = await openControlStore(`sqlite:${file}`);
    try {
      // An interval of one page: every commit copies the WAL into the file.
      await store.knex.raw('PRAGMA wal_autocheckpoint = 1');
      await store.knex.schema.createTable('t', (t) => t.integer('n'));
      await store.knex('t').insert(Array.from({ length: 500 }, (_, n) => ({ n })));
      expect(rowsInFileAlone(file)).toBe(500);
      expect(await store.db.holdCheckpoints!()).toBe(true);
      await store.knex('t').insert(Array.from({ length: 500 }, (_, n) => ({ n })));
      expect(rowsInFileAlone(file)).toBe(500);
      await store.db.checkpointAside!();
      expect(rowsInFileAlone(file)).toBe(1000);
    } finally {
      await store.close();
    }
  });

  it('holds nothing on an in-memory store', async () => {
    const store = await openControlStore('sqlite::memory:');
    try {
      expect(await store.db.holdCheckpoints!()).toBe(false);
      await store.db.checkpointAside!();
    } finally {
      await store.close();
    }
  });

  it('is absent on a PostgreSQL store', async () => {
    const { store, dispose } = await freshStore('postgres');
    try {
      expect(store.db.checkpoint).toBeUndefined();
      expect(store.db.holdCheckpoints).toBeUndefined();
      expect(store.db.checkpointAside).toBeUndefined();
    } finally {
      await dispose();
    }
  });
});

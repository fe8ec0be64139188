/**
 * enterWalMode (src/adapters/sqlite/store-pragmas.ts): SQLite answers SQLITE_BUSY at once, without
 * its busy timeout, to processes that ask a new file for WAL mode at the same moment; the store asks
 * again for a while rather than fail to open.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { enterWalMode } from '../../../src/adapters/sqlite/store-pragmas.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-wal-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A connection whose first `busy` asks are answered as SQLite answers a file busy elsewhere, then `then`. */
function answering(busy: number, then: () => unknown = () => 'wal') {
  const asked: string[] = [];
  return {
    asked,
    pragma(sql: string): unknown {
      asked.push(sql);
      if (asked.length <= busy) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      return then();
    },
  };
}

describe('enterWalMode', () => {
  it('asks again while the file is busy, and is done once it is not', async () => {
    const conn = answering(3);
    await enterWalMode(conn);
    expect(conn.asked).toEqual(Array(4).fill('journal_mode = WAL'));
  });

  it('throws any other error at once', async () => {
    const conn = answering(0, () => {
      throw Object.assign(new Error('file is not a database'), { code: 'SQLITE_NOTADB' });
    });
    await expect(enterWalMode(conn)).rejects.toMatchObject({ code: 'SQLITE_NOTADB' });
    expect(conn.asked).toHaveLength(1);
  });

  it('gives up, busy, once its time is over', async () => {
    const conn = answering(Infinity);
    const started = Date.now();
    await expect(enterWalMode(conn, 100)).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(conn.asked.length).toBeGreaterThan(1);
  });

  it('puts a real file in WAL mode', async () => {
    const db = new Database(path.join(dir, 'store.db'));
    try {
      await enterWalMode(db);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });
});

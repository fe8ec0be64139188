import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { missingColumnOf, notSqliteFile } from '../../../src/adapters/sqlite/sqlite-file.js';

describe('missingColumnOf', () => {
  it("reads the column out of SQLite's messages, unquoted", () => {
    expect(missingColumnOf('no such column: qty')).toBe('qty');
    expect(missingColumnOf('no such column: t.qty')).toBe('t.qty');
    expect(
      missingColumnOf('no such column: "INVENTLOCATION" - should this be a string literal in single-quotes?'),
    ).toBe('INVENTLOCATION');
    expect(
      missingColumnOf('no such column: "a""b" - should this be a string literal in single-quotes?'),
    ).toBe('a"b');
    expect(missingColumnOf('no such table: x')).toBeUndefined();
  });

  it('matches what this SQLite says for a double-quoted name it cannot find', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (a TEXT)');
    let message = '';
    try {
      db.prepare('SELECT "INVENTLOCATION" FROM t');
    } catch (err) {
      message = (err as Error).message;
    }
    db.close();
    expect(missingColumnOf(message)).toBe('INVENTLOCATION');
  });
});

describe('notSqliteFile', () => {
  it('tells a SQLite database, an empty file and a missing one from a text file and a folder', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-sqlite-file-'));
    try {
      const db = path.join(dir, 'ok.db');
      const handle = new Database(db);
      handle.exec('CREATE TABLE t (a)');
      handle.close();
      fs.writeFileSync(path.join(dir, 'empty.db'), '');
      fs.writeFileSync(path.join(dir, 'text.db'), 'sku,qty\nA,1\n');
      expect(notSqliteFile(db)).toBeUndefined();
      expect(notSqliteFile(path.join(dir, 'empty.db'))).toBeUndefined();
      expect(notSqliteFile(path.join(dir, 'missing.db'))).toBeUndefined();
      expect(notSqliteFile(':memory:')).toBeUndefined();
      expect(notSqliteFile(path.join(dir, 'text.db'))).toMatch(/^is not a SQLite database \(SQLITE_NOTADB/);
      expect(notSqliteFile(dir)).toBe('is a folder, not a SQLite database file');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

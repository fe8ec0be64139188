import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type { WriteDriver } from './types.js';
import { SqliteWriter } from './sqlite/sqlite-writer.js';
import { PgWriter } from './postgres/pg-writer.js';

/** The URL forms a control store may take, for messages. */
export const CONTROL_STORE_URLS =
  'sqlite:PATH (the default, sqlite:.cutover/control.db) or a postgres:// URL';

/**
 * The database behind a control store URL, or undefined when its scheme cannot hold one. SQLite:
 * one connection in WAL mode with a busy timeout and foreign keys (its folder is created); PostgreSQL:
 * a small pool.
 */
export function openControlDb(url: string, log: Knex.Config['log']): WriteDriver | undefined {
  if (/^sqlite:/i.test(url)) {
    const file = url.replace(/^sqlite:/i, '');
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: file },
      useNullAsDefault: true,
      log,
      pool: {
        min: 1,
        max: 1,
        afterCreate: (
          conn: { pragma(s: string): unknown },
          done: (err: Error | null, conn: unknown) => void,
        ) => {
          conn.pragma('journal_mode = WAL');
          conn.pragma('busy_timeout = 10000');
          conn.pragma('foreign_keys = ON');
          done(null, conn);
        },
      },
    });
    return new SqliteWriter(knex, file);
  }
  if (/^postgres(ql)?:\/\//i.test(url))
    return new PgWriter(knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 4 }, log }));
  return undefined;
}

import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type { WriteDriver } from './types.js';
import { SqliteWriter } from './sqlite/sqlite-writer.js';
import { isNotADatabase, notSqliteFile } from './sqlite/sqlite-file.js';
import { enterWalMode, storePragmas } from './sqlite/store-pragmas.js';
import { ConnectionError } from '../errors.js';

/** The URL forms a control store may take, for messages. */
export const CONTROL_STORE_URLS =
  'sqlite:PATH (the default, sqlite:.cutover/control.db) or a postgres:// URL';

/** A control store file that is no SQLite database: said naming the file, not as SQLite's "file is not a database". */
function notADatabase(file: string, why: string, cause?: unknown): ConnectionError {
  return new ConnectionError(
    `The control store file ${file} ${why}.`,
    'Point `control.url` in cutover.yaml at the control database cutover created (sqlite:.cutover/control.db by default; a path where no file exists yet gets a new one) or at a postgres:// URL; the file was left as it is.',
    { cause },
  );
}

/**
 * The error to show for a control store that failed to open, when the reason is the store's engine
 * (a file that is no SQLite database); undefined for every other failure.
 */
export function controlDbError(url: string, err: unknown): Error | undefined {
  if (/^sqlite:/i.test(url) && isNotADatabase(err))
    return notADatabase(url.replace(/^sqlite:/i, ''), 'is not a SQLite database (SQLITE_NOTADB)', err);
  return undefined;
}

/**
 * The database behind a control store URL, or undefined when its scheme cannot hold one. SQLite:
 * one connection in WAL mode with a busy timeout and foreign keys (its folder is created; an
 * existing file that is no SQLite database is refused before anything opens it); PostgreSQL: a
 * small pool.
 */
export async function openControlDb(url: string, log: Knex.Config['log']): Promise<WriteDriver | undefined> {
  if (/^sqlite:/i.test(url)) {
    const file = url.replace(/^sqlite:/i, '');
    const notDb = notSqliteFile(file);
    if (notDb) throw notADatabase(file, notDb);
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
          enterWalMode(conn)
            .then(() => storePragmas(conn, 64))
            .then(
              () => done(null, conn),
              (err: unknown) => done(err as Error, conn),
            );
        },
      },
    });
    return new SqliteWriter(knex, file);
  }
  if (/^postgres(ql)?:\/\//i.test(url)) {
    // Loaded only for a PostgreSQL store: `runs list` on the default SQLite store never loads pg.
    const { PgWriter } = await import('./postgres/pg-writer.js');
    return new PgWriter(knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 4 }, log }));
  }
  return undefined;
}

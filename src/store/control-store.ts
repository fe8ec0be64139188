import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { ConnectionError, ConfigError } from '../errors.js';
import { redactUrl, redact } from '../util/redact.js';
import { migrationSource } from './migrations/index.js';

/** The control store: runs, differences, exceptions, audit log. SQLite for one person, PostgreSQL for a team. */
export interface ControlStore {
  readonly knex: Knex;
  readonly dialect: 'sqlite' | 'postgres';
  readonly url: string;
  close(): Promise<void>;
}

/** Opens the control store at `url` and brings its schema up to date. */
export async function openControlStore(url: string): Promise<ControlStore> {
  let knex: Knex;
  let dialect: ControlStore['dialect'];
  if (/^sqlite:/i.test(url)) {
    const file = url.replace(/^sqlite:/i, '');
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    dialect = 'sqlite';
    knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: file },
      useNullAsDefault: true,
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
  } else if (/^postgres(ql)?:\/\//i.test(url)) {
    dialect = 'postgres';
    knex = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 4 } });
  } else {
    throw new ConfigError(
      `The control store URL ${redactUrl(url)} is not supported.`,
      'Use sqlite:PATH (the default, sqlite:.cutover/control.db) or a postgres:// URL in `control.url` of cutover.yaml.',
    );
  }
  try {
    await knex.migrate.latest({ migrationSource, tableName: 'cutover_migrations' });
  } catch (err) {
    await knex.destroy();
    throw new ConnectionError(
      `Cannot open the control store ${redactUrl(url)}: ${redact((err as Error).message)}.`,
      'Check `control.url` in cutover.yaml and that the database is reachable and writable.',
      { cause: err },
    );
  }
  return { knex, dialect, url, close: () => knex.destroy() };
}

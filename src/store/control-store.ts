import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { ConnectionError, ConfigError } from '../errors.js';
import { redactUrl, redact } from '../util/redact.js';
import { migrationSource } from './migrations/index.js';
import type { Logger } from '../util/logger.js';

/** The control store: runs, differences, exceptions, audit log. SQLite for one person, PostgreSQL for a team. */
export interface ControlStore {
  readonly knex: Knex;
  readonly dialect: 'sqlite' | 'postgres';
  readonly url: string;
  close(): Promise<void>;
}

/** Opens the control store at `url` and brings its schema up to date. */
export async function openControlStore(url: string, opts: { logger?: Logger } = {}): Promise<ControlStore> {
  // knex would print pool warnings ("Acquire connection error") with console: route them to the log.
  const log = {
    warn: (m: unknown) => opts.logger?.debug({ knex: redact(String(m)) }, 'knex warning'),
    error: (m: unknown) => opts.logger?.debug({ knex: redact(String(m)) }, 'knex error'),
    deprecate: () => undefined,
    debug: () => undefined,
  };
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
  } else if (/^postgres(ql)?:\/\//i.test(url)) {
    dialect = 'postgres';
    knex = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 4 }, log });
  } else {
    throw new ConfigError(
      `The control store URL ${redactUrl(url)} is not supported.`,
      'Use sqlite:PATH (the default, sqlite:.cutover/control.db) or a postgres:// URL in `control.url` of cutover.yaml.',
    );
  }
  try {
    await migrate(knex, dialect);
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

/** Any fixed 64-bit number: the key of the PostgreSQL advisory lock that serializes migrations. */
const MIGRATION_LOCK_KEY = 4_823_117_302;
const MIGRATION_CONFIG = { migrationSource, tableName: 'cutover_migrations' };

/**
 * Brings the schema up to date. Several `cutover` processes may start on a fresh store at once:
 * on PostgreSQL a session advisory lock makes the others wait (knex's own lock table would make
 * them fail with "Migration table is already locked", and creating that table races); on SQLite
 * the write lock plus a retry on knex's lock does the same.
 */
async function migrate(knex: Knex, dialect: ControlStore['dialect']): Promise<void> {
  if (dialect === 'postgres') {
    const client = knex.client as {
      acquireConnection(): Promise<unknown>;
      releaseConnection(c: unknown): Promise<void>;
    };
    const conn = await client.acquireConnection();
    try {
      await knex.raw('SELECT pg_advisory_lock(?)', [MIGRATION_LOCK_KEY]).connection(conn);
      try {
        // Holding the advisory lock, nobody else is migrating: a knex lock left set is a crashed run's.
        if (await knex.schema.hasTable('cutover_migrations_lock'))
          await knex.migrate.forceFreeMigrationsLock(MIGRATION_CONFIG);
        await knex.migrate.latest(MIGRATION_CONFIG);
      } finally {
        await knex.raw('SELECT pg_advisory_unlock(?)', [MIGRATION_LOCK_KEY]).connection(conn);
      }
    } finally {
      await client.releaseConnection(conn);
    }
    return;
  }
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await knex.migrate.latest(MIGRATION_CONFIG);
      return;
    } catch (err) {
      // Another process is creating the same tables or holds knex's lock: wait, then look again.
      const busy = /already locked|already exists|SQLITE_BUSY|database is locked/i.test(
        (err as Error).message,
      );
      if (!busy || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
}

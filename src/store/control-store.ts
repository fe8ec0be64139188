import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { ConnectionError, ConfigError, CutoverError, UsageError } from '../errors.js';
import { redactUrl, redact } from '../util/redact.js';
import { migrationSource } from './migrations/index.js';
import { markDeadRuns } from './run-liveness.js';
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
    await migrate(knex, dialect, url, dialect === 'sqlite' ? url.replace(/^sqlite:/i, '') : undefined);
  } catch (err) {
    await knex.destroy();
    if (err instanceof CutoverError) throw err;
    throw new ConnectionError(
      `Cannot open the control store ${redactUrl(url)}: ${redact((err as Error).message)}.`,
      'Check `control.url` in cutover.yaml and that the database is reachable and writable.',
      { cause: err },
    );
  }
  const store: ControlStore = { knex, dialect, url, close: () => knex.destroy() };
  // Runs whose process died (kill -9, a crash) would otherwise stay `running` forever.
  try {
    for (const dead of await markDeadRuns(store))
      opts.logger?.info({ run: dead.id, reason: dead.reason }, 'marked a dead run interrupted');
  } catch (err) {
    opts.logger?.debug({ err }, 'could not check for dead runs');
  }
  return store;
}

/** Any fixed 64-bit number: the key of the PostgreSQL advisory lock that serializes migrations. */
const MIGRATION_LOCK_KEY = 4_823_117_302;
const MIGRATION_CONFIG = { migrationSource, tableName: 'cutover_migrations' };

/**
 * True when every migration is recorded: the common case, which then takes no lock at all. A store
 * that records a migration this version does not know was written by a newer cutover, whose
 * schema this one would misuse: refused.
 */
async function upToDate(knex: Knex, url: string): Promise<boolean> {
  if (!(await knex.schema.hasTable(MIGRATION_CONFIG.tableName))) return false;
  const done = new Set(
    ((await knex(MIGRATION_CONFIG.tableName).select('name')) as { name: string }[]).map((r) => r.name),
  );
  const known = (await migrationSource.getMigrations([])).map((m) => migrationSource.getMigrationName(m));
  const newer = [...done].filter((n) => !known.includes(n)).sort();
  if (newer.length)
    throw new UsageError(
      `This control store (${redactUrl(url)}) was written by a newer cutover (migration ${newer.join(', ')}); this version knows migrations up to ${known[known.length - 1]}.`,
      'Run the cutover version that wrote it (or a newer one), or point `control.url` in cutover.yaml at another store; nothing was changed.',
    );
  return known.every((m) => done.has(m));
}

/**
 * Brings the schema up to date. Several `cutover` processes may start on a fresh store at once:
 * on PostgreSQL a session advisory lock makes the others wait (knex's own lock table would make
 * them fail with "Migration table is already locked", and creating that table races); on SQLite a
 * lock file beside the database does the same. Holding either, nobody else is migrating, so a knex
 * lock left set can only be a crashed run's and is freed.
 */
async function migrate(
  knex: Knex,
  dialect: ControlStore['dialect'],
  url: string,
  file?: string,
): Promise<void> {
  if (await upToDate(knex, url)) return;
  const run = async () => {
    if (await knex.schema.hasTable(`${MIGRATION_CONFIG.tableName}_lock`))
      await knex.migrate.forceFreeMigrationsLock(MIGRATION_CONFIG);
    await knex.migrate.latest(MIGRATION_CONFIG);
  };
  if (dialect === 'postgres') {
    const client = knex.client as {
      acquireConnection(): Promise<unknown>;
      releaseConnection(c: unknown): Promise<void>;
    };
    const conn = await client.acquireConnection();
    try {
      await knex.raw('SELECT pg_advisory_lock(?)', [MIGRATION_LOCK_KEY]).connection(conn);
      try {
        await run();
      } finally {
        await knex.raw('SELECT pg_advisory_unlock(?)', [MIGRATION_LOCK_KEY]).connection(conn);
      }
    } finally {
      await client.releaseConnection(conn);
    }
    return;
  }
  if (!file || file === ':memory:') return run();
  await withLockFile(`${path.resolve(file)}.migrate-lock`, run);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `fn` holding an exclusive lock file (created with O_EXCL); a lock whose process is gone is taken over. */
async function withLockFile(lock: string, fn: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const fd = fs.openSync(lock, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = 0;
      try {
        holder = Number(fs.readFileSync(lock, 'utf8'));
      } catch {
        continue; // released between our open and read
      }
      if (holder && !alive(holder)) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(
          `another cutover process (pid ${holder}) has been upgrading the control store for 2 minutes`,
        );
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
  }
  try {
    await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

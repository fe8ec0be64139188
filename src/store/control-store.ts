import type { Knex } from 'knex';
import type { WriteDriver } from '../adapters/types.js';
import type { ControlStore } from './store-types.js';
import { CONTROL_STORE_URLS, controlDbError, openControlDb } from '../adapters/control-db.js';
import { ConnectionError, ConfigError, CutoverError, UsageError } from '../errors.js';
import { redactUrl, redact } from '../util/redact.js';
import { migrationSource } from './migrations/index.js';
import { markDeadRuns } from './run-liveness.js';
import type { Logger } from '../util/logger.js';

export type { ControlStore };

/** Opens the control store at `url` and brings its schema up to date. */
export async function openControlStore(url: string, opts: { logger?: Logger } = {}): Promise<ControlStore> {
  // knex would print pool warnings ("Acquire connection error") with console: route them to the log.
  const log = {
    warn: (m: unknown) => opts.logger?.debug({ knex: redact(String(m)) }, 'knex warning'),
    error: (m: unknown) => opts.logger?.debug({ knex: redact(String(m)) }, 'knex error'),
    deprecate: () => undefined,
    debug: () => undefined,
  };
  const db = await openControlDb(url, log);
  if (!db)
    throw new ConfigError(
      `The control store URL ${redactUrl(url)} is not supported.`,
      `Use ${CONTROL_STORE_URLS} in \`control.url\` of cutover.yaml.`,
    );
  const knex = db.knex;
  try {
    await migrate(db, url);
  } catch (err) {
    await db.close();
    if (err instanceof CutoverError) throw err;
    const engine = controlDbError(url, err);
    if (engine) throw engine;
    throw new ConnectionError(
      `Cannot open the control store ${redactUrl(url)}: ${redact((err as Error).message)}.`,
      'Check `control.url` in cutover.yaml and that the database is reachable and writable.',
      { cause: err },
    );
  }
  const store: ControlStore = { knex, db, dialect: db.dialect, url, close: () => db.close() };
  // Runs whose process died (kill -9, a crash) would otherwise stay `running` forever.
  try {
    for (const dead of await markDeadRuns(store))
      opts.logger?.info({ run: dead.id, reason: dead.reason }, 'marked a dead run interrupted');
  } catch (err) {
    opts.logger?.debug({ err }, 'could not check for dead runs');
  }
  return store;
}

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
 * Brings the schema up to date. Several `cutover` processes may start on a fresh store at once: the
 * database's exclusive lock (an advisory lock, or a lock file beside a database file) makes the
 * others wait (knex's own lock table would make them fail with "Migration table is already locked",
 * and creating that table races). Holding it, nobody else is migrating, so a knex lock left set can
 * only be a crashed run's and is freed.
 */
async function migrate(db: WriteDriver, url: string): Promise<void> {
  const knex = db.knex;
  if (await upToDate(knex, url)) return;
  await db.withExclusiveLock(async () => {
    if (await knex.schema.hasTable(`${MIGRATION_CONFIG.tableName}_lock`))
      await knex.migrate.forceFreeMigrationsLock(MIGRATION_CONFIG);
    await knex.migrate.latest(MIGRATION_CONFIG);
  });
}

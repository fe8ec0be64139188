import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createAdapter } from '../../../src/adapters/registry.js';
import type { Knex } from 'knex';
import { expect } from 'vitest';
import type { Adapter, GroupOutcome, WriteAction, WriteDriver } from '../../../src/adapters/types.js';
import { isTransientDbError } from '../../../src/adapters/db-errors.js';
import { LEDGER_SPEC, LEDGER_TABLE, type LedgerRow } from '../../../src/replay/ledger.js';
import { silentLogger } from '../../../src/util/logger.js';
import { createTestDatabase } from '../../helpers/pg.js';
import { createMysqlTestDatabase } from '../../helpers/mysql.js';

/**
 * The dialects that can be a replay or rollback target, for the write contract suite: each creates
 * an empty database of its own and opens a write side on it. SQL Server is not here: no Docker
 * engine runs on these machines (its MERGE text is checked and parsed in mssql-tsql-parse.test.ts). MariaDB runs when
 * CUTOVER_TEST_MYSQL_URL is set (always in CI: see test/helpers/mysql.ts).
 */
export interface OpenedTarget {
  adapter: Adapter;
  db: WriteDriver;
  url: string;
  cleanup(): Promise<void>;
}

export interface WriteDialect {
  name: 'sqlite' | 'postgres' | 'mysql';
  /** The column type of an exact decimal(18,3) (SQLite has none: text, summed exactly by the driver). */
  decimal: string;
  setup(): Promise<OpenedTarget>;
}

async function openWriter(
  url: string,
  poolSize: number,
  cleanup: () => Promise<void>,
): Promise<OpenedTarget> {
  const adapter = createAdapter({ name: 'target', url }, { logger: silentLogger() });
  await adapter.connect();
  const db = await adapter.writer!({ poolSize });
  return {
    adapter,
    db,
    url,
    async cleanup() {
      await db.close();
      await adapter.close();
      await cleanup();
    },
  };
}

const sqlite: WriteDialect = {
  name: 'sqlite',
  decimal: 'TEXT',
  async setup() {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cutover-write-'));
    const file = path.join(dir, 'target.db');
    new Database(file).close();
    return openWriter(`sqlite:${file}`, 4, () => fs.rm(dir, { recursive: true, force: true }));
  },
};

const postgres: WriteDialect = {
  name: 'postgres',
  decimal: 'numeric(18,3)',
  async setup() {
    const t = await createTestDatabase('cutover_write');
    return openWriter(t.url, 4, t.drop);
  },
};

const mysql: WriteDialect = {
  name: 'mysql',
  decimal: 'decimal(18,3)',
  async setup() {
    const t = await createMysqlTestDatabase('cutover_write');
    return openWriter(`${t.url}`, 4, t.drop);
  },
};

/** Every dialect a write contract case runs over (MariaDB: see test/helpers/mysql.ts for when it is skipped). */
export const WRITE_DIALECTS: WriteDialect[] = [sqlite, postgres, mysql];

/** The run id of the write suites' ledger rows. */
export const RUN = 'p_contract';

/** A write action of event `id`, with the ledger fields replay would give it. */
export function act(
  id: string,
  action: WriteAction['action'],
  match: Record<string, unknown>,
  values: Record<string, unknown>,
  table = 'bal',
): WriteAction {
  return {
    id,
    table,
    action,
    match,
    values,
    ledger: {
      event_id: id,
      run_id: RUN,
      seq: Number(id.replace(/\D/g, '')) || 1,
      event_type: `t.${action}`,
      event_key: id,
      occurred_at: '2026-11-25T22:00:00Z',
      action,
      table_name: table,
      http_status: null,
      irreversible: false,
      source_line: 1,
    },
  };
}

/**
 * Another writer's transaction (the live ERP): makes `change`, then holds its row locks until
 * `commit` is called. Resolves once the change is made.
 */
export async function liveChange(
  db: WriteDriver,
  change: (trx: Knex.Transaction) => Promise<unknown>,
): Promise<{ commit(): Promise<void> }> {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let changed!: () => void;
  const isChanged = new Promise<void>((r) => (changed = r));
  const live = db.transaction(async (trx) => {
    await change(trx);
    changed();
    await held;
  });
  await Promise.race([isChanged, live]);
  return {
    commit() {
      release();
      return live;
    },
  };
}

/**
 * Applies a group as replay does: a group the driver refuses (a transient error, e.g. PostgreSQL's
 * set-based change that missed a row changed meanwhile) is applied again one event at a time.
 */
export async function applyAsReplay(
  db: WriteDriver,
  group: WriteAction[],
): Promise<{ refused: boolean; out: Map<string, GroupOutcome> }> {
  try {
    return { refused: false, out: await db.applyGroup(LEDGER_SPEC, group) };
  } catch (err) {
    expect(isTransientDbError(err)).toBe(true);
    const out = new Map<string, GroupOutcome>();
    for (const a of group) out.set(a.id, (await db.applyGroup(LEDGER_SPEC, [a])).get(a.id)!);
    return { refused: true, out };
  }
}

/** A table's rows in `orderBy` order, every value as text (or null), as the suites compare them. */
export async function tableRows(
  db: WriteDriver,
  table: string,
  orderBy: string,
): Promise<Record<string, unknown>[]> {
  return ((await db.knex(table).select('*').orderBy(orderBy)) as Record<string, unknown>[]).map((r) =>
    Object.fromEntries(Object.entries(r).map(([c, v]) => [c, v === null ? null : String(v)])),
  );
}

/** The replay ledger's rows, by event id. */
export async function ledgerRows(db: WriteDriver): Promise<LedgerRow[]> {
  return (await db.knex(LEDGER_TABLE).select('*').orderBy('event_id')) as unknown as LedgerRow[];
}

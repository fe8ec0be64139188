import type { Knex } from 'knex';
import type { Executor, GroupOutcome, LedgerSpec, Row, WriteAction } from '../types.js';
import { KnexWriter } from '../knex-writer.js';
import { quoteDouble, quoteQualified } from '../sql-text.js';
import { applyPgGroup } from './pg-apply-group.js';
// Before knex's 'pg' client is created (its own require('pg') then finds the module loaded): pg is
// loaded here, without Node's fetch (pg-driver.ts), also for a PostgreSQL control store.
import './pg-driver.js';

/** Any fixed 64-bit number: the key of the advisory lock that serializes cutover's schema upgrades. */
const EXCLUSIVE_LOCK_KEY = 4_823_117_302;

/** PostgreSQL's write side: the catalogue, the set-based grouped apply, advisory locks. */
export class PgWriter extends KnexWriter {
  constructor(knex: Knex) {
    super('postgres', knex);
  }

  override async primaryKeyOf(table: string): Promise<string[]> {
    try {
      const res = (await this.knex.raw(
        `SELECT a.attname AS name FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
         WHERE i.indrelid = to_regclass(?) AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
        [quoteQualified(table, quoteDouble)],
      )) as { rows: { name: string }[] };
      return res.rows.map((r) => r.name);
    } catch {
      return [];
    }
  }

  /**
   * INSERT … ON CONFLICT (match) DO UPDATE; `xmax = 0` tells an inserted row from an updated one.
   * When the match columns are no unique key (42P10, in a savepoint), ON CONFLICT DO NOTHING: any
   * key the row collides with leaves it as it is, and the caller sees `inserted: false`.
   */
  override async upsert(ex: Executor, table: string, match: Row, values: Row) {
    const update = Object.keys(values).filter((c) => !(c in match));
    const insert = () => ex(table).insert({ ...match, ...values });
    const run = async (x: Executor, q: Knex.QueryBuilder) => {
      const { sql, bindings } = q.toSQL();
      return ((await x.raw(`${sql} RETURNING *, (xmax = 0) AS "__inserted"`, bindings)) as { rows: Row[] })
        .rows;
    };
    let rows: Row[];
    try {
      const q = insert().onConflict(Object.keys(match));
      rows = await ex.transaction((sp) => run(sp, update.length ? q.merge(update) : q.ignore()));
    } catch (err) {
      if ((err as { code?: string }).code !== '42P10') throw err;
      const { sql, bindings } = insert().toSQL();
      rows = (
        (await ex.raw(`${sql} ON CONFLICT DO NOTHING RETURNING *, true AS "__inserted"`, bindings)) as {
          rows: Row[];
        }
      ).rows;
    }
    if (!rows.length) return { rows: await this.selectRows(ex, table, match), inserted: false };
    const inserted = rows.every((r) => r.__inserted === true);
    return { rows: rows.map(({ __inserted: _drop, ...row }) => row), inserted };
  }

  override applyGroup(ledger: LedgerSpec, actions: WriteAction[]): Promise<Map<string, GroupOutcome>> {
    return applyPgGroup(this.knex, ledger, actions);
  }

  /**
   * PostgreSQL text (and varchar, json) cannot hold the character U+0000: the driver's bind message
   * is refused as a protocol violation ("invalid message format", 08P01) that names nothing.
   */
  override textProblem(text: string): string | undefined {
    const at = text.indexOf('\u0000');
    return at < 0
      ? undefined
      : `holds a NUL character (\\u0000, at position ${at + 1}), which PostgreSQL text cannot store`;
  }

  /** Bytewise (COLLATE "C"): every ledger row goes through both key indexes, and a locale-aware comparison cost a sixth of the grouped replay's speed. */
  override keyColumn(t: Knex.CreateTableBuilder, name: string, length: number): Knex.ColumnBuilder {
    return t.specificType(name, `varchar(${length}) COLLATE "C"`);
  }

  override jsonRows(columns: readonly (readonly [string, 'text' | 'integer'])[]): string {
    return `json_to_recordset(?::json) AS j(${columns.map(([c, t]) => `${quoteDouble(c)} ${t}`).join(', ')})`;
  }

  /** Without statistics PostgreSQL plans joins with a freshly loaded (temporary) table as nested loops. */
  override async analyze(ex: Executor, table: string): Promise<void> {
    await ex.raw(`ANALYZE ${quoteQualified(table, quoteDouble)}`);
  }

  /** A session advisory lock, held on one connection for the whole of `fn`. */
  override async withExclusiveLock<T>(fn: () => Promise<T>): Promise<T> {
    const client = this.knex.client as {
      acquireConnection(): Promise<unknown>;
      releaseConnection(c: unknown): Promise<void>;
    };
    const conn = await client.acquireConnection();
    try {
      await this.knex.raw('SELECT pg_advisory_lock(?)', [EXCLUSIVE_LOCK_KEY]).connection(conn);
      try {
        return await fn();
      } finally {
        await this.knex.raw('SELECT pg_advisory_unlock(?)', [EXCLUSIVE_LOCK_KEY]).connection(conn);
      }
    } finally {
      await client.releaseConnection(conn);
    }
  }
}

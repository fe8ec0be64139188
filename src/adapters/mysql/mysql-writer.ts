import type { Knex } from 'knex';
import type { Executor, Row } from '../types.js';
import { KnexWriter } from '../knex-writer.js';
import { quoteQualified } from '../sql-text.js';
import { quoteBacktick } from './mysql-select.js';

/**
 * MySQL/MariaDB's write side. Its default collations are case-insensitive and PAD SPACE ('a' = 'A '),
 * so every match on a text value also compares the bytes (`col = ? AND BINARY col = ?`: the index
 * finds the candidates, BINARY keeps only the exact one). No RETURNING on UPDATE: rows are read back
 * inside the transaction. Decimal arithmetic is done as DECIMAL (a bound string would be a DOUBLE).
 */
export class MysqlWriter extends KnexWriter {
  /** The exact (bytewise, NO PAD) collation of this server: MariaDB and MySQL 8 name it differently. */
  private exactCollation = 'utf8mb4_bin';

  constructor(knex: Knex) {
    super('mysql', knex);
  }

  /** Learns the server's flavour (from its first connection). */
  serverVersion(version: string): void {
    this.exactCollation = /mariadb/i.test(version)
      ? 'utf8mb4_nopad_bin'
      : /^[89]\./.test(version)
        ? 'utf8mb4_0900_bin'
        : 'utf8mb4_bin';
  }

  override async primaryKeyOf(table: string): Promise<string[]> {
    try {
      const [rows] = (await this.knex.raw(
        `SHOW KEYS FROM ${quoteQualified(table, quoteBacktick)} WHERE Key_name = 'PRIMARY'`,
      )) as [{ Column_name: string; Seq_in_index: number | string }[]];
      return rows.sort((a, b) => Number(a.Seq_in_index) - Number(b.Seq_in_index)).map((r) => r.Column_name);
    } catch {
      return [];
    }
  }

  override async columnsOf(table: string): Promise<string[] | undefined> {
    try {
      const [rows] = (await this.knex.raw(`SHOW COLUMNS FROM ${quoteQualified(table, quoteBacktick)}`)) as [
        { Field: string }[],
      ];
      return rows.map((r) => r.Field);
    } catch {
      return undefined;
    }
  }

  override async selectRows(ex: Executor, table: string, match: Row, lock = false): Promise<Row[]> {
    const q = this.exact(ex(table).select('*'), match);
    if (lock) this.lockRows(q);
    return (await q) as Row[];
  }

  /** INSERT … ON DUPLICATE KEY UPDATE: affected rows 1 is an insert, 2 (or 0, unchanged) an update. */
  override async upsert(ex: Executor, table: string, match: Row, values: Row) {
    const update = Object.keys(values).filter((c) => !(c in match));
    const q = ex(table)
      .insert({ ...match, ...values })
      .onConflict();
    const { sql, bindings } = (update.length ? q.merge(update) : q.ignore()).toSQL();
    const [res] = (await ex.raw(sql, bindings)) as [{ affectedRows: number }];
    return {
      rows: await this.selectRows(ex, table, { ...match, ...values }),
      inserted: res.affectedRows === 1,
    };
  }

  override keyColumn(t: Knex.CreateTableBuilder, name: string, length: number): Knex.ColumnBuilder {
    // Bytewise and NO PAD: 'k1' and 'k1 ' are two events (a PAD SPACE collation would call them equal).
    return t.specificType(name, `varchar(${length}) CHARACTER SET utf8mb4 COLLATE ${this.exactCollation}`);
  }

  override affectedRows(result: unknown): number {
    const r = (Array.isArray(result) ? result[0] : result) as { affectedRows?: number } | undefined;
    return Number(r?.affectedRows ?? 0);
  }

  protected override async applyOneDelete(ex: Executor, table: string, match: Row): Promise<void> {
    await this.exact(ex(table), match).delete();
  }

  protected override async insertReturning(ex: Executor, table: string, row: Row): Promise<Row[]> {
    await ex(table).insert(row);
    return this.selectRows(ex, table, row);
  }

  protected override async updateReturning(
    ex: Executor,
    table: string,
    match: Row,
    set: Row,
  ): Promise<Row[]> {
    await this.exact(ex(table), match).update(set);
    // The rows now: found by the match, with the match columns the update wrote itself.
    const now: Row = { ...match };
    for (const c of Object.keys(match)) if (c in set && !isRaw(set[c])) now[c] = set[c];
    return this.selectRows(ex, table, now);
  }

  protected override async incrementRows(
    ex: Executor,
    table: string,
    match: Row,
    values: Row,
  ): Promise<{ rows: Row[] } | { failed: string }> {
    const set: Row = {};
    for (const [col, v] of Object.entries(values))
      set[col] = ex.raw('COALESCE(??, 0) + CAST(? AS DECIMAL(65,30))', [col, String(v)]);
    return { rows: await this.updateReturning(ex, table, match, set) };
  }

  /** Conditions that hold only for the exact values (bytes), whatever the column's collation. */
  private exact<Q extends Knex.QueryBuilder>(q: Q, match: Row): Q {
    for (const [c, v] of Object.entries(match)) {
      if (v === null || v === undefined) q.whereNull(c);
      else if (typeof v === 'string') q.where(c, v).whereRaw('BINARY ?? = ?', [c, v]);
      else q.where(c, v as Knex.Value);
    }
    return q;
  }
}

function isRaw(v: unknown): boolean {
  return typeof v === 'object' && v !== null && 'toSQL' in v;
}

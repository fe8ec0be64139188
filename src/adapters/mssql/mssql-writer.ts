import type { Knex } from 'knex';
import type { Executor, Row } from '../types.js';
import { KnexWriter } from '../knex-writer.js';
import { quoteBracket, quoteQualified } from '../sql-text.js';

/**
 * The atomic upsert on SQL Server: MERGE … WITH (HOLDLOCK) takes a key-range lock on the matched
 * key, so two sessions upserting the same new row serialize instead of both inserting; OUTPUT
 * $action tells an insert from an update. Every value is a bound parameter.
 */
export function mssqlMergeSql(
  table: string,
  match: string[],
  values: string[],
): { sql: string; columns: string[] } {
  const q = quoteBracket;
  const columns = [...match, ...values.filter((c) => !match.includes(c))];
  const update = values.filter((c) => !match.includes(c));
  const sql =
    `MERGE INTO ${quoteQualified(table, q)} WITH (HOLDLOCK) AS t ` +
    `USING (SELECT ${columns.map((c) => `? AS ${q(c)}`).join(', ')}) AS s ` +
    `ON ${match.map((c) => `t.${q(c)} = s.${q(c)}`).join(' AND ')} ` +
    (update.length
      ? `WHEN MATCHED THEN UPDATE SET ${update.map((c) => `t.${q(c)} = s.${q(c)}`).join(', ')} `
      : '') +
    `WHEN NOT MATCHED THEN INSERT (${columns.map(q).join(', ')}) VALUES (${columns.map((c) => `s.${q(c)}`).join(', ')}) ` +
    `OUTPUT $action AS [__action], inserted.*;`;
  return { sql, columns };
}

/** The primary key columns of a table, in key order (`?`: the table name as OBJECT_ID takes it). */
export const MSSQL_PRIMARY_KEY_SQL = `SELECT c.name AS name FROM sys.indexes i JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
 JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
 WHERE i.is_primary_key = 1 AND i.object_id = OBJECT_ID(?) ORDER BY ic.key_ordinal`;

/** SQL Server's write side: its catalogue and MERGE. */
export class MssqlWriter extends KnexWriter {
  constructor(knex: Knex) {
    super('mssql', knex);
  }

  override async primaryKeyOf(table: string): Promise<string[]> {
    try {
      const rows = (await this.knex.raw(MSSQL_PRIMARY_KEY_SQL, [table])) as { name: string }[];
      return rows.map((r) => r.name);
    } catch {
      return [];
    }
  }

  override async upsert(ex: Executor, table: string, match: Row, values: Row) {
    const { sql, columns } = mssqlMergeSql(table, Object.keys(match), Object.keys(values));
    const all = { ...match, ...values };
    const rows = (await ex.raw(
      sql,
      columns.map((c) => all[c] as Knex.Value),
    )) as Row[];
    const inserted = rows.length > 0 && rows.every((r) => r.__action === 'INSERT');
    return { rows: rows.map(({ __action: _drop, ...row }) => row), inserted };
  }
}

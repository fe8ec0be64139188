/** SQLite's bulk insert, shared by the store's connection (SqliteWriter) and its loader thread. */
import { quoteDouble } from '../sql-text.js';

/** The driver's connection, as far as a bulk insert uses it. */
export interface RawSqlite {
  prepare(sql: string): { run(...values: unknown[]): unknown };
  transaction(fn: () => void): () => void;
}

/** The INSERT of one row of `columns` into `table`. */
export function insertRowSql(table: string, columns: readonly string[]): string {
  return `INSERT INTO ${quoteDouble(table)} (${columns.map(quoteDouble).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
}

/**
 * One prepared INSERT run once per row inside one transaction (a savepoint of the connection's
 * transaction when one is open): SQLite runs it in microseconds, where expanding a JSON parameter
 * re-parses each element once per column.
 */
export function insertAll(
  conn: RawSqlite,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
): void {
  const stmt = conn.prepare(insertRowSql(table, columns));
  conn.transaction(() => {
    for (const r of rows) stmt.run(...r);
  })();
}

import type { Knex } from 'knex';
import type { RowImage } from './plan-types.js';

/** A database target as rollback sees it. */
export interface TargetDb {
  name: string;
  dialect: string;
  knex: Knex;
}

type Executor = Knex | Knex.Transaction;

const quotePg = (name: string): string =>
  name
    .split('.')
    .map((p) => `"${p.replace(/"/g, '""')}"`)
    .join('.');

/**
 * The primary-key columns of a table, or [] when it has none (then rows are found by the event's
 * match, or by their whole image). One catalogue query per dialect; nothing else here is dialect-specific.
 */
export async function primaryKeyOf(db: TargetDb, table: string): Promise<string[]> {
  try {
    if (db.dialect === 'postgres') {
      const res = (await db.knex.raw(
        `SELECT a.attname AS name FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
         WHERE i.indrelid = to_regclass(?) AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
        [quotePg(table)],
      )) as { rows: { name: string }[] };
      return res.rows.map((r) => r.name);
    }
    if (db.dialect === 'sqlite') {
      const [schema, name] = table.includes('.') ? table.split('.', 2) : [undefined, table];
      const sql = `PRAGMA ${schema ? `"${schema}".` : ''}table_info("${name!.replace(/"/g, '""')}")`;
      const rows = (await db.knex.raw(sql)) as { name: string; pk: number | bigint }[];
      return rows
        .filter((r) => Number(r.pk) > 0)
        .sort((a, b) => Number(a.pk) - Number(b.pk))
        .map((r) => r.name);
    }
    if (db.dialect === 'mssql') {
      const rows = (await db.knex.raw(
        `SELECT c.name AS name FROM sys.indexes i JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
         JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
         WHERE i.is_primary_key = 1 AND i.object_id = OBJECT_ID(?) ORDER BY ic.key_ordinal`,
        [table],
      )) as { name: string }[];
      return rows.map((r) => r.name);
    }
  } catch {
    // No catalogue access: fall back to the event's match.
  }
  return [];
}

function whereClause(q: Knex.QueryBuilder, where: RowImage): Knex.QueryBuilder {
  for (const [c, v] of Object.entries(where)) {
    if (v === null || v === undefined) q.whereNull(c);
    else q.where(c, v as Knex.Value);
  }
  return q;
}

/** The rows at `where` now; locked for update inside a transaction on a server database. */
export async function readRows(
  db: TargetDb,
  ex: Executor,
  table: string,
  where: RowImage,
  lock = false,
): Promise<Record<string, unknown>[]> {
  const q = whereClause(ex(table).select('*'), where);
  if (lock && db.dialect !== 'sqlite') q.forUpdate();
  return (await q) as Record<string, unknown>[];
}

/** Values as a driver can bind them: JSON objects back to text. */
function bindable(row: RowImage): Record<string, Knex.Value> {
  const out: Record<string, Knex.Value> = {};
  for (const [k, v] of Object.entries(row))
    out[k] = v !== null && typeof v === 'object' ? JSON.stringify(v) : (v as Knex.Value);
  return out;
}

/** Overwrites the row at `where` with `row`; returns the number of rows changed. */
export async function updateRow(
  ex: Executor,
  table: string,
  where: RowImage,
  row: RowImage,
): Promise<number> {
  // The key columns stay as they are (an identity column may refuse even a same-value write).
  const set: RowImage = {};
  for (const [k, v] of Object.entries(row)) if (!(k in where)) set[k] = v;
  if (!Object.keys(set).length) return (await whereClause(ex(table).select('*'), where)).length;
  return Number(await whereClause(ex(table), where).update(bindable(set)));
}

/** Deletes the row at `where`; returns the number of rows deleted. */
export async function deleteRow(ex: Executor, table: string, where: RowImage): Promise<number> {
  return Number(await whereClause(ex(table), where).delete());
}

/** Inserts `row` as it was. */
export async function insertRow(ex: Executor, table: string, row: RowImage): Promise<void> {
  await ex(table).insert(bindable(row));
}

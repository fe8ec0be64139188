import type { Knex } from 'knex';
import type { RowImage } from './plan-types.js';
import type { WriteDriver } from '../adapters/types.js';

/** A database target as rollback sees it: its write side (and that side's query builder). */
export interface TargetDb {
  name: string;
  db: WriteDriver;
  knex: Knex;
}

type Executor = Knex | Knex.Transaction;

function whereClause(q: Knex.QueryBuilder, where: RowImage): Knex.QueryBuilder {
  for (const [c, v] of Object.entries(where)) {
    if (v === null || v === undefined) q.whereNull(c);
    else q.where(c, v as Knex.Value);
  }
  return q;
}

/** The rows at `where` now; locked for update inside a transaction where the engine locks rows. */
export async function readRows(
  db: TargetDb,
  ex: Executor,
  table: string,
  where: RowImage,
  lock = false,
): Promise<Record<string, unknown>[]> {
  return db.db.selectRows(ex, table, where, lock);
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

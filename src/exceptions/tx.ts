import type { Knex } from 'knex';
import type { ControlStore } from '../store/control-store.js';

/**
 * Runs `fn` in one transaction on the control store. PostgreSQL: a normal transaction (callers lock
 * rows with FOR UPDATE). SQLite: BEGIN IMMEDIATE takes the write lock up front, so two processes
 * serialize instead of both reading and then failing to upgrade to a write (the pool holds one
 * connection, so every query of `fn` runs inside it).
 */
export async function withTransaction<T>(store: ControlStore, fn: (trx: Knex) => Promise<T>): Promise<T> {
  if (store.dialect === 'postgres') return store.knex.transaction((trx) => fn(trx));
  const k = store.knex;
  await k.raw('BEGIN IMMEDIATE');
  try {
    const result = await fn(k);
    await k.raw('COMMIT');
    return result;
  } catch (err) {
    await k.raw('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Adds FOR UPDATE on PostgreSQL (SQLite's BEGIN IMMEDIATE already holds the only write lock). */
export function lockRows<Q extends Knex.QueryBuilder>(store: ControlStore, q: Q, skipLocked = false): Q {
  if (store.dialect !== 'postgres') return q;
  q.forUpdate();
  if (skipLocked) q.skipLocked();
  return q;
}

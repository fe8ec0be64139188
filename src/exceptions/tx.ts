import type { Knex } from 'knex';
import type { ControlStore } from '../store/control-store.js';

/**
 * Runs `fn` in one transaction on the control store that takes the write lock up front where the
 * engine has one for the whole database (so two processes serialize instead of both reading and
 * then failing to upgrade to a write); elsewhere callers lock their rows with lockRows.
 */
export async function withTransaction<T>(store: ControlStore, fn: (trx: Knex) => Promise<T>): Promise<T> {
  return store.db.exclusiveTransaction((trx) => fn(trx));
}

/** Locks the rows `q` selects until the transaction ends, where the engine locks rows (see withTransaction). */
export function lockRows<Q extends Knex.QueryBuilder>(store: ControlStore, q: Q, skipLocked = false): Q {
  return store.db.lockRows(q, { skipLocked });
}

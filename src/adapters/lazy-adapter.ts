import type { ConnectionConfig } from './settings.js';
import { guardAdapter } from './source-errors.js';
import type { Adapter, AdapterContext } from './types.js';

/**
 * Creates (not opens) the adapter for a connection, loading only the adapter it needs when that is
 * PostgreSQL (the common case in a reading thread: ~0.15 s of CPU sooner than loading every driver).
 */
export async function createAdapterLazily(
  connection: ConnectionConfig,
  ctx: AdapterContext,
): Promise<Adapter> {
  if (/^postgres(ql)?:/i.test(connection.url)) {
    const { postgresFactory } = await import('./postgres/index.js');
    // Guarded as the registry guards every adapter: a driver's error is the source's (exit 2).
    return guardAdapter(postgresFactory.create(connection, ctx));
  }
  const { createAdapter } = await import('./registry.js');
  return createAdapter(connection, ctx);
}

/**
 * Whether another thread (a reconcile's reader thread) can open this connection and read the same
 * data: not an in-memory SQLite database, which exists only in the connection that made it.
 */
export function readableFromAnotherThread(connection: ConnectionConfig): boolean {
  return !/^sqlite:(:memory:)?$/i.test(connection.url.trim());
}

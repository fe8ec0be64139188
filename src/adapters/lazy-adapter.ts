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
  if (isPostgres(connection)) {
    const { postgresFactory } = await import('./postgres/index.js');
    // Guarded as the registry guards every adapter: a driver's error is the source's (exit 2).
    return guardAdapter(postgresFactory.create(connection, ctx));
  }
  const { createAdapter } = await import('./registry.js');
  return createAdapter(connection, ctx);
}

/**
 * Loads the adapter module `createAdapterLazily` will need, without creating or opening anything:
 * a reader thread does it while it waits for its job. A failure is left for the read to report.
 */
export async function preloadAdapter(connection: ConnectionConfig): Promise<void> {
  await (isPostgres(connection) ? import('./postgres/index.js') : import('./registry.js')).catch(
    () => undefined,
  );
}

function isPostgres(connection: ConnectionConfig): boolean {
  return /^postgres(ql)?:/i.test(connection.url);
}

/**
 * Whether another thread (a reconcile's reader thread) can open this connection and read the same
 * data: not an in-memory SQLite database, which exists only in the connection that made it.
 */
export function readableFromAnotherThread(connection: ConnectionConfig): boolean {
  return !/^sqlite:(:memory:)?$/i.test(connection.url.trim());
}

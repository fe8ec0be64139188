/**
 * The one way a run gets a connection: by its name in cutover.yaml, opened through the adapter
 * registry. Commands hand this (closing at the end) to the orchestrations as `openAdapter`.
 */
import { createAdapter, openAdapter } from '../adapters/registry.js';
import type { Adapter } from '../adapters/types.js';
import type { LoadedConfig } from '../config/load-config.js';
import { ConfigError } from '../errors.js';
import { silentLogger, type Logger } from '../util/logger.js';

/** Opens the connection named `name` in cutover.yaml; an unknown name is a ConfigError (exit 2). */
export async function openConnection(
  config: LoadedConfig,
  name: string,
  logger: Logger = silentLogger(),
): Promise<Adapter> {
  return openAdapter(connectionConfig(config, name), { logger });
}

/**
 * Creates the adapter of the connection named `name` WITHOUT connecting (`reconcile --dry-run`
 * renders its SQL with it); nothing to close.
 */
export function createConnection(
  config: LoadedConfig,
  name: string,
  logger: Logger = silentLogger(),
): Adapter {
  return createAdapter(connectionConfig(config, name), { logger });
}

function connectionConfig(config: LoadedConfig, name: string) {
  const conn = config.connections[name];
  if (!conn)
    throw new ConfigError(
      `There is no connection "${name}" in ${config.file}.`,
      `Use one of: ${Object.keys(config.connections).join(', ') || '(none defined)'}.`,
    );
  return conn;
}

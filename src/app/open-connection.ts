/**
 * The one way a run gets a connection: by its name in cutover.yaml, opened through the adapter
 * registry. Commands hand this (closing at the end) to the orchestrations as `openAdapter`.
 */
import { openAdapter } from '../adapters/registry.js';
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
  const conn = config.connections[name];
  if (!conn)
    throw new ConfigError(
      `There is no connection "${name}" in ${config.file}.`,
      `Use one of: ${Object.keys(config.connections).join(', ') || '(none defined)'}.`,
    );
  return openAdapter(conn, { logger });
}

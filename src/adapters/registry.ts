import { ConfigError } from '../errors.js';
import { redactUrl } from '../util/redact.js';
import type { ConnectionConfig } from './settings.js';
import type { Adapter, AdapterContext, AdapterFactory } from './types.js';
import { guardAdapter } from './source-errors.js';
import { postgresFactory } from './postgres/index.js';
import { mssqlFactory } from './mssql/index.js';
import { sqliteFactory } from './sqlite/index.js';
import { csvFactory } from './csv/index.js';
import { httpFactory } from './http/index.js';
import { mysqlFactory } from './mysql/index.js';

const factories = new Map<string, AdapterFactory>();

/** Registers a connection kind for its URL schemes. */
export function registerAdapter(factory: AdapterFactory): void {
  for (const scheme of factory.schemes) factories.set(scheme, factory);
}

for (const f of [postgresFactory, mssqlFactory, sqliteFactory, mysqlFactory, csvFactory, httpFactory])
  registerAdapter(f);

/** The scheme of a connection URL (`postgres`, `sqlite`, ...), lower-case. */
export function schemeOf(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  return m ? m[1]!.toLowerCase() : '';
}

/** The engine behind a connection URL as adapters name it (`postgresql:` is `postgres`), for stored plan targets. */
export function dialectOf(url: string): string {
  const scheme = schemeOf(url);
  return SCHEME_DIALECTS[scheme] ?? scheme;
}
const SCHEME_DIALECTS: Record<string, string> = { postgresql: 'postgres', mariadb: 'mysql' };

/** Creates (but does not open) the adapter for a connection, picked by URL scheme. */
export function createAdapter(connection: ConnectionConfig, ctx: AdapterContext): Adapter {
  const scheme = schemeOf(connection.url);
  const factory = factories.get(scheme);
  if (!factory) {
    throw new ConfigError(
      `Connection "${connection.name}" has the URL ${redactUrl(connection.url)}, whose scheme ${scheme ? `"${scheme}:"` : '(none)'} is not supported.`,
      `Use one of ${[...factories.keys()].map((s) => `${s}:`).join(', ')} (for example postgres://user@host:5432/db, sqlite:./legacy.db or csv:./extracts).`,
    );
  }
  return guardAdapter(factory.create(connection, ctx));
}

/** Creates and opens the adapter for a connection. */
export async function openAdapter(connection: ConnectionConfig, ctx: AdapterContext): Promise<Adapter> {
  const adapter = createAdapter(connection, ctx);
  await adapter.connect();
  return adapter;
}

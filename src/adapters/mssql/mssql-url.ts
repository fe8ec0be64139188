import type { ConnectionConfiguration } from 'tedious';
import { ConfigError } from '../../errors.js';
import { redactUrl } from '../../util/redact.js';
import { MAX_CONNECT_TIMEOUT_MS } from '../settings.js';

const TRUE = /^(1|true|yes|on)$/i;

/**
 * tedious' configuration from `mssql://user:password@host:port/database?encrypt=true&trustServerCertificate=true`
 * (also `instanceName=`, `connectTimeout=` in ms). `readOnly` asks for `ApplicationIntent=ReadOnly`,
 * which routes to a readable secondary in an availability group.
 */
export function parseMssqlUrl(
  name: string,
  url: string,
  opts: { readOnly?: boolean; connectTimeoutMs?: number } = {},
): ConnectionConfiguration {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(
      `Connection "${name}": ${redactUrl(url)} is not a valid SQL Server url.`,
      'Write it as mssql://user:password@host:1433/database?encrypt=true&trustServerCertificate=true.',
    );
  }
  const q = u.searchParams;
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  const instanceName = q.get('instanceName') ?? undefined;
  const timeoutText = q.get('connectTimeout');
  const connectTimeout =
    timeoutText === null ? undefined : /^\d+$/.test(timeoutText) ? Number(timeoutText) : NaN;
  // Refused rather than passed on: tedious would wait "NaNms", and past 2^31 ms its timer fires at once.
  if (connectTimeout !== undefined && !(connectTimeout >= 1 && connectTimeout <= MAX_CONNECT_TIMEOUT_MS))
    throw new ConfigError(
      `Connection "${name}": connectTimeout=${timeoutText} in ${redactUrl(url)} is not a number of milliseconds from 1 to ${MAX_CONNECT_TIMEOUT_MS.toLocaleString('en-US')}.`,
      'Write it as connectTimeout=30000, or leave it out and set connectTimeoutMs on the connection in cutover.yaml.',
    );
  return {
    server: u.hostname || 'localhost',
    authentication: {
      type: 'default',
      options: { userName: decodeURIComponent(u.username), password: decodeURIComponent(u.password) },
    },
    options: {
      ...(instanceName ? { instanceName } : { port: u.port ? Number(u.port) : 1433 }),
      ...(database ? { database } : {}),
      encrypt: q.has('encrypt') ? TRUE.test(q.get('encrypt')!) : true,
      trustServerCertificate: TRUE.test(q.get('trustServerCertificate') ?? ''),
      readOnlyIntent: opts.readOnly ?? false,
      connectTimeout: connectTimeout ?? opts.connectTimeoutMs ?? 15_000,
      // A long read is not a hung one: no per-request timeout.
      requestTimeout: 0,
      useUTC: true,
      rowCollectionOnRequestCompletion: false,
      appName: 'cutover',
    },
  };
}

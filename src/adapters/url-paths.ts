import fs from 'node:fs';
import path from 'node:path';

/** The URL schemes whose rest is a file or folder path (relative to cutover.yaml's folder). */
const FILE_SCHEMES = /^(sqlite|csv):(.*)$/i;

/** Resolves a file-based URL's (`sqlite:`, `csv:`) relative path against the config folder. */
export function resolveUrl(url: string, dir: string): string {
  const m = FILE_SCHEMES.exec(url);
  if (!m) return url;
  const [, scheme, rest] = m as unknown as [string, string, string];
  if (rest === ':memory:' || rest.startsWith('//')) return url;
  return `${scheme.toLowerCase()}:${path.resolve(dir, rest)}`;
}

/** How to fix a connection URL written without a scheme. */
export function missingSchemeHint(url: string): string {
  return /\.(db|sqlite3?)$/i.test(url)
    ? `Write sqlite:${url} for a SQLite file.`
    : 'Start it with its kind: postgres://user@host/db, mssql://user@host/db, mysql://user@host/db, sqlite:PATH, csv:FOLDER or https://host/api.';
}

/** A URL naming a local file or folder (`sqlite:`, `csv:`, `file:`): its scheme and path; undefined for a server's URL. */
export function localUrlParts(url: string): { scheme: string; path: string } | undefined {
  const m = /^(sqlite|csv|file):(?:\/\/)?(.+)$/i.exec(url);
  return m ? { scheme: m[1]!, path: m[2]! } : undefined;
}

/** A server's engine by URL scheme, and the port it listens on when the URL gives none (sameDatabase). */
const SERVER_SCHEMES: Record<string, { engine: string; port: string }> = {
  postgres: { engine: 'postgres', port: '5432' },
  postgresql: { engine: 'postgres', port: '5432' },
  mysql: { engine: 'mysql', port: '3306' },
  mariadb: { engine: 'mysql', port: '3306' },
  mssql: { engine: 'mssql', port: '1433' },
};
/** Host names that all mean this machine. */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** A local file's path as the file system resolves it (symbolic links followed), else as given. */
function realPath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * Which database a URL names, as far as the URL tells: a SQLite file's real path, or a server's
 * engine, host (this machine's names as one), port and database; undefined for anything else (an
 * in-memory database, a CSV folder, an HTTP API, a URL that cannot be read). `password`: the URL's
 * password as written (urlPassword), left out before the URL is read, since an unencoded one would
 * break the reading.
 */
function databaseOf(url: string, password: string | undefined): string | undefined {
  const local = localUrlParts(url);
  if (local)
    return local.scheme.toLowerCase() === 'sqlite' && local.path !== ':memory:'
      ? `sqlite:${realPath(local.path)}`
      : undefined;
  const server = SERVER_SCHEMES[url.slice(0, Math.max(0, url.indexOf(':'))).toLowerCase()];
  if (!server) return undefined;
  try {
    const u = new URL(password === undefined ? url : url.replace(`:${password}@`, ':x@'));
    const host = u.hostname.toLowerCase() || 'localhost';
    const db = decodeURIComponent(u.pathname.replace(/^\//, ''));
    return `${server.engine}://${LOOPBACK.has(host) ? 'localhost' : host}:${u.port || server.port}/${db}`;
  } catch {
    return undefined;
  }
}

/**
 * Whether two connection URLs name the same database (the control store and a read-only source,
 * say): the same SQLite file, or the same engine, host, port and database. False when either cannot
 * be told (an in-memory database, a CSV folder, an HTTP API).
 */
export function sameDatabase(
  a: { url: string; password?: string },
  b: { url: string; password?: string },
): boolean {
  const x = databaseOf(a.url, a.password);
  return x !== undefined && x === databaseOf(b.url, b.password);
}

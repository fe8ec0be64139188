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

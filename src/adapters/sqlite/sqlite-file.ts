import fs from 'node:fs';

/** The 16 bytes every SQLite database file starts with. */
const HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Why `file` cannot be a SQLite database, or undefined when it may be one (or does not exist: the
 * caller says so in its own words). SQLite opens any file without complaint and says "file is not a
 * database" (SQLITE_NOTADB) only at the first statement, in words that name neither the file nor
 * the connection; this looks first. An empty file is a new, empty database.
 */
export function notSqliteFile(file: string): string | undefined {
  if (file === '' || file === ':memory:') return undefined;
  let fd: number;
  try {
    if (fs.statSync(file).isDirectory()) return 'is a folder, not a SQLite database file';
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const head = Buffer.alloc(HEADER.length);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    if (n === 0 || head.equals(HEADER)) return undefined;
    return 'is not a SQLite database (SQLITE_NOTADB: it does not start with the SQLite header)';
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether `err` (or an error it wraps) is SQLite's SQLITE_NOTADB, "file is not a database". */
export function isNotADatabase(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++)
    if ((e as { code?: unknown }).code === 'SQLITE_NOTADB') return true;
  return false;
}

/**
 * The column SQLite's "no such column" message names, unquoted: `no such column: x`, `no such
 * column: t.x`, and, for a double-quoted identifier it could not find (SQLite would once have taken
 * it for a string literal), `no such column: "x" - should this be a string literal in single-quotes?`.
 */
export function missingColumnOf(message: string): string | undefined {
  const m = /no such column:\s*(.*?)(?:\s+-\s+should this be a string literal in single-quotes\?)?\s*$/i.exec(
    message.split('\n')[0]!,
  );
  if (!m || !m[1]) return undefined;
  const name = m[1];
  return /^"(?:[^"]|"")*"$/.test(name) ? name.slice(1, -1).replace(/""/g, '"') : name;
}

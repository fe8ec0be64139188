/**
 * What a database error means, by engine: the error codes of every SQL kind in one place, so retry
 * policy and rollback ask a question ("worth retrying?", "a key collision?") without naming an engine.
 */

/** A write that lost a race it cannot see the outcome of (an upsert whose row another transaction inserted): retry it. */
export class WriteRaceError extends Error {
  override name = 'WriteRaceError';
}

// PostgreSQL: 40P01 deadlock, 40001 serialization, 55P03 lock timeout, 57014 statement timeout,
// 08xxx connection, 57P01-03 server shutting down, 53300 too many connections.
const PG_TRANSIENT = /^(40P01|40001|55P03|57014|08\d\d\d|57P0[123]|53300)$/;
// SQLite busy/locked (another process holds the write lock, or our snapshot went stale); MySQL/MariaDB
// deadlock, lock wait timeout, lost connection, too many connections, query interrupted.
const CODE_TRANSIENT =
  /^(SQLITE_BUSY|SQLITE_BUSY_SNAPSHOT|SQLITE_LOCKED|ER_LOCK_DEADLOCK|ER_LOCK_WAIT_TIMEOUT|ER_CON_COUNT_ERROR|PROTOCOL_CONNECTION_LOST|ER_QUERY_INTERRUPTED|ER_SERVER_SHUTDOWN|ER_CHECKREAD)$/;
// SQL Server: 1205 deadlock victim, 1222 lock timeout, 3960 snapshot update conflict.
const MSSQL_TRANSIENT = new Set([1205, 1222, 3960]);
const MESSAGE_TRANSIENT =
  /database is locked|Connection terminated unexpectedly|timeout acquiring a connection/i;

/**
 * A unique-key collision: PostgreSQL 23505, SQLite SQLITE_CONSTRAINT_(PRIMARYKEY|UNIQUE), SQL Server
 * 2627/2601, MySQL/MariaDB ER_DUP_ENTRY (1062).
 */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string | number; number?: number; errno?: number; message?: string };
  const code = String(e?.code ?? '');
  return (
    code === '23505' ||
    /^SQLITE_CONSTRAINT(_PRIMARYKEY|_UNIQUE)?$/.test(code) ||
    code === 'ER_DUP_ENTRY' ||
    e?.number === 2627 ||
    e?.number === 2601 ||
    /UNIQUE constraint failed|duplicate key|Duplicate entry/i.test(e?.message ?? '')
  );
}

/**
 * Is this database error worth retrying: a deadlock, a serialization failure, a lock or connection
 * problem, a lost race (WriteRaceError), or a collision on the replay ledger's key (another process
 * applied the same event at the same moment: a retry finds it in the ledger). A collision on a data
 * table's key is not: it may be a real duplicate (the caller may try once more, see
 * isUniqueViolation). Looks through `cause` chains.
 */
export function isTransientDbError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof WriteRaceError) return true;
    const x = e as { code?: unknown; number?: unknown; message?: string };
    const code = typeof x.code === 'string' ? x.code : '';
    if (PG_TRANSIENT.test(code) || CODE_TRANSIENT.test(code)) return true;
    if (typeof x.number === 'number' && MSSQL_TRANSIENT.has(x.number)) return true;
    const where = `${(e as { constraint?: string }).constraint ?? ''} ${x.message ?? ''}`;
    if (isUniqueViolation(e) && /cutover_replay_ledger/.test(where)) return true;
    if (MESSAGE_TRANSIENT.test(x.message ?? '')) return true;
  }
  return false;
}

// What a database says when the machine or the server is the problem, not the statement: SQLite's
// full disk, I/O, read-only, permission, damaged file, lock and memory codes; PostgreSQL's classes
// 08 (connection), 28 (authorization), 53 (insufficient resources: a full disk is 53100), 57
// (operator intervention), 58 (system: I/O), read-only transaction (25006) and privilege (42501);
// MySQL/MariaDB's full table or disk, read-only, access and connection codes; SQL Server's full
// file group (1105) or log (9002) and read-only database (3906).
const SQLITE_ENVIRONMENT =
  /^SQLITE_(FULL|IOERR(_\w+)?|READONLY(_\w+)?|CANTOPEN(_\w+)?|PERM|AUTH(_\w+)?|CORRUPT(_\w+)?|NOTADB|NOMEM|BUSY(_\w+)?|LOCKED(_\w+)?|PROTOCOL)$/;
const PG_ENVIRONMENT = /^(08\w{3}|28\w{3}|53\w{3}|57\w{3}|58\w{3}|25006|42501)$/;
const MYSQL_ENVIRONMENT =
  /^(ER_RECORD_FILE_FULL|ER_DISK_FULL|ER_OUT_OF_RESOURCES|ER_OPTION_PREVENTS_STATEMENT|ER_READ_ONLY_MODE|ER_ACCESS_DENIED_ERROR|ER_DBACCESS_DENIED_ERROR|ER_TABLEACCESS_DENIED_ERROR|ER_CON_COUNT_ERROR|PROTOCOL_CONNECTION_LOST|ER_SERVER_SHUTDOWN|ECONNRESET|ECONNREFUSED|ETIMEDOUT)$/;
const MSSQL_ENVIRONMENT = new Set([1105, 9002, 3906]);

/**
 * The code of a database error that is the user's environment (a full disk, a read-only or damaged
 * database, lost connection, missing privilege), looking through `cause` chains; undefined for
 * anything else, such as a statement the database did not accept (which stays a fault of ours).
 */
export function environmentDbCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const x = e as { code?: unknown; number?: unknown };
    const code = typeof x.code === 'string' ? x.code : '';
    if (SQLITE_ENVIRONMENT.test(code) || PG_ENVIRONMENT.test(code) || MYSQL_ENVIRONMENT.test(code))
      return code;
    if (typeof x.number === 'number' && MSSQL_ENVIRONMENT.has(x.number)) return String(x.number);
  }
  return undefined;
}

/**
 * What a driver said, for one paragraph: the first line of its message without its final stop,
 * and its code in brackets unless that line names it already.
 */
export function driverWords(err: unknown, code?: string): string {
  const e = err as { message?: unknown } | undefined;
  const text = String(e?.message ?? err)
    .split('\n')[0]!
    .trim()
    .replace(/[.\s]+$/, '');
  return code && !text.includes(code) ? `${text} [${code}]` : text;
}

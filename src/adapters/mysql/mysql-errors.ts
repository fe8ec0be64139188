import { ConnectionError, CutoverError, DataError } from '../../errors.js';
import { redact, redactUrl } from '../../util/redact.js';
import { suggest } from '../../util/suggest.js';
import type { ReadRequest } from '../types.js';

interface MysqlLikeError {
  code?: string;
  errno?: number;
  message?: string;
  sqlMessage?: string;
}

/** Where a failure happened, for messages: the connection's name and its URL without password. */
export interface MysqlErrorContext {
  name: string;
  url: string;
}

function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '3306'}`;
  } catch {
    return 'the server';
  }
}

/** Turns a failure to open a MySQL/MariaDB connection into a ConnectionError that says why, without secrets. */
export function mysqlConnectError(ctx: MysqlErrorContext, err: unknown): CutoverError {
  if (err instanceof CutoverError) return err;
  const e = (err ?? {}) as MysqlLikeError;
  const raw = redact(String(e.sqlMessage ?? e.message ?? err));
  const where = hostOf(ctx.url);
  let cause: string;
  let hint: string;
  switch (e.code) {
    case 'ECONNREFUSED':
      cause = `the server at ${where} refused the connection (nothing listens there)`;
      hint = 'Check that MySQL/MariaDB is running and that the host and port in the url are right.';
      break;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      cause = 'the host in the url cannot be resolved';
      hint = 'Check the host name in the url.';
      break;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      cause = `the host ${where} is unreachable`;
      hint = 'Check the host and port in the url, the network and any firewall, or raise connectTimeoutMs.';
      break;
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_DBACCESS_DENIED_ERROR':
      cause = `access denied (${raw})`;
      hint =
        'Check the user and password in the url; keep the password out of cutover.yaml with ${VAR} (e.g. mysql://user:${DBPASSWORD}@host/db).';
      break;
    case 'ER_BAD_DB_ERROR':
      cause = `the database does not exist (${raw})`;
      hint = 'Check the database name at the end of the url, or create it.';
      break;
    default:
      cause = raw;
      hint = 'Check the url (mysql://user:password@host:3306/database) and that the server is reachable.';
  }
  return new ConnectionError(`Cannot connect to "${ctx.name}" (${redactUrl(ctx.url)}): ${cause}.`, hint, {
    cause: err,
  });
}

/** A failure of a read or probe as a CutoverError naming the table or column, with a suggestion. */
export function mysqlQueryError(
  ctx: MysqlErrorContext,
  req: Pick<ReadRequest, 'table' | 'query' | 'columns'>,
  err: unknown,
  existing?: string[],
): CutoverError {
  if (err instanceof CutoverError) return err;
  const e = (err ?? {}) as MysqlLikeError;
  const raw = redact(String(e.sqlMessage ?? e.message ?? err)).split('\n')[0]!;
  const what = req.table ?? 'the query';
  if (e.code === 'ER_NO_SUCH_TABLE') {
    const close = req.table && existing ? suggest(req.table, existing) : undefined;
    return new DataError(
      `Connection "${ctx.name}": the table ${what} does not exist (${raw}).`,
      close
        ? `Did you mean "${close}"?`
        : 'Check the table name in the mapping (qualified as database.table when it is elsewhere).',
      { cause: err },
    );
  }
  if (e.code === 'ER_BAD_FIELD_ERROR') {
    const col = /Unknown column '([^']*)'/.exec(raw)?.[1];
    const close = col && existing ? suggest(col, existing) : undefined;
    return new DataError(
      `Connection "${ctx.name}": ${what} has no column ${col ? `"${col}"` : ''} (${raw}).`,
      close
        ? `Did you mean "${close}"?`
        : existing?.length
          ? `Its columns are: ${existing.join(', ')}.`
          : 'Check the column names in the mapping.',
      { cause: err },
    );
  }
  if (/^(ECONN|PROTOCOL_|ETIMEDOUT|EPIPE)/.test(e.code ?? ''))
    return new ConnectionError(
      `Connection "${ctx.name}" (${redactUrl(ctx.url)}) was lost during a read of ${what}: ${raw}.`,
      'Check the server and the network, then run the command again.',
      { cause: err },
    );
  return new DataError(
    `Connection "${ctx.name}": reading ${what} failed: ${raw}.`,
    'Check the table, the columns and the `where`/`query` of the mapping.',
    {
      cause: err,
    },
  );
}

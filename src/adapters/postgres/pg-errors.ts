import { ConnectionError, CutoverError, DataError, MappingError } from '../../errors.js';
import { redact, redactUrl } from '../../util/redact.js';
import type { ReadRequest } from '../types.js';
import { suggest } from '../../util/suggest.js';

interface PgLikeError {
  code?: string;
  message?: string;
  address?: string;
  port?: number;
  hostname?: string;
}

/** Where a failure happened, for messages: the connection's name and its URL without password. */
export interface PgErrorContext {
  name: string;
  url: string;
}

/** Turns a failure to open a PostgreSQL connection into a ConnectionError that says why, without secrets. */
export function pgConnectError(ctx: PgErrorContext, err: unknown, timedOutAfterMs?: number): CutoverError {
  if (err instanceof CutoverError) return err;
  const e = (err ?? {}) as PgLikeError;
  const raw = redact(String(e.message ?? err));
  const u = safeUrl(ctx.url);
  const where = u ? `${u.hostname || 'localhost'}:${u.port || '5432'}` : 'the server';
  let cause: string;
  let hint: string;
  switch (e.code) {
    case 'ECONNREFUSED':
      cause = `the server at ${where} refused the connection (nothing listens there)`;
      hint = 'Check that PostgreSQL is running and that the host and port in the url are right.';
      break;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      cause = `the host ${u?.hostname ?? ''} cannot be resolved`;
      hint = 'Check the host name in the url.';
      break;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
      cause = `the host ${where} is unreachable`;
      hint = 'Check the host and port in the url, the network and any firewall between here and the server.';
      break;
    case '28P01':
    case '28000':
      cause = `authentication failed (${raw})`;
      hint =
        'Check the user and password in the url; keep the password out of cutover.yaml with ${VAR} (e.g. postgres://user:${PGPASSWORD}@host/db).';
      break;
    case '3D000':
      cause = `the database does not exist (${raw})`;
      hint = 'Check the database name at the end of the url, or create it.';
      break;
    default:
      if (timedOutAfterMs !== undefined || /timeout/i.test(raw)) {
        // pg reports its own connect timeout as "Connection terminated unexpectedly".
        cause = `no answer from ${where} within ${timedOutAfterMs ?? 'the'} ms (connection timeout)`;
        hint = 'Check the host and port, or raise connectTimeoutMs for this connection in cutover.yaml.';
      } else if (/Connection terminated unexpectedly/i.test(raw)) {
        cause = `the connection to ${where} was closed before the server answered (host unreachable, or not a PostgreSQL server)`;
        hint =
          'Check the host and port in the url, the network and any firewall or proxy between here and the server.';
      } else if (/SASL|password must be a string|password authentication/i.test(raw)) {
        cause = 'authentication failed: the server asks for a password and the url gives none';
        hint = 'Add the password to the url (postgres://user:${PGPASSWORD}@host/db) and set the variable.';
      } else {
        cause = raw;
        hint = 'Check the url and that the server accepts connections from this machine.';
      }
  }
  return new ConnectionError(
    `Connection "${ctx.name}" (${redactUrl(ctx.url)}): cannot connect: ${cause}.`,
    hint,
    { cause: err },
  );
}

/** Turns a failed read or column check into an error naming the connection, table and column. */
export function pgQueryError(
  ctx: PgErrorContext,
  req: Pick<ReadRequest, 'table' | 'query' | 'columns'>,
  err: unknown,
  /** What exists instead (the table's columns, or the tables), for a "did you mean". */
  existing?: string[],
): CutoverError {
  if (err instanceof CutoverError) return err;
  const e = (err ?? {}) as PgLikeError;
  const raw = redact(String(e.message ?? err));
  const conn = `Connection "${ctx.name}" (${redactUrl(ctx.url)})`;
  const source = req.table ? `the table ${req.table}` : 'the mapping query';
  if (!e.code || /^(E[A-Z]+|08|57P)/.test(e.code)) {
    return new ConnectionError(
      `${conn}: the connection was lost while reading ${source}: ${raw}.`,
      'Check that the server is up and reachable, then run again (a read is not resumed half-way).',
      { cause: err },
    );
  }
  switch (e.code) {
    case '42P01': {
      const near = req.table && existing ? suggest(req.table, existing) : undefined;
      return new DataError(
        `${conn}: ${source} does not exist (${raw}).`,
        `${near ? `Did you mean "${near}"? ` : ''}Check the table name (and schema) in the mapping; names are case-sensitive as written there.`,
        { cause: err },
      );
    }
    case '42703': {
      const col = /column "?(.+?)"? does not exist/i.exec(raw)?.[1];
      const near = col && existing ? suggest(col, existing) : undefined;
      return new DataError(
        `${conn}: the column ${col ?? '(unknown)'} does not exist in ${source} (${raw}).`,
        near
          ? `Did you mean "${near}"? Names are case-sensitive as written in the mapping.`
          : `Check the column names in the mapping${existing?.length ? ` (the table has: ${existing.join(', ')})` : ''}; names are case-sensitive as written there.`,
        { cause: err },
      );
    }
    case '42501':
      return new ConnectionError(
        `${conn}: permission denied reading ${source} (${raw}).`,
        'Grant SELECT on it to the user in the url.',
        { cause: err },
      );
    case '25006':
      return new ConnectionError(
        `${conn}: the read tried to write inside its read-only transaction (${raw}).`,
        'A readOnly connection only runs SELECTs; remove the writing function from the mapping query.',
        { cause: err },
      );
    default:
      if (e.code.startsWith('42') || e.code.startsWith('22')) {
        return new MappingError(
          `${conn}: the read of ${source} failed: ${raw}.`,
          "Check the mapping's where/query SQL against this database.",
          { cause: err },
        );
      }
      return new DataError(`${conn}: the read of ${source} failed: ${raw}.`, undefined, { cause: err });
  }
}

function safeUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

import { ConnectionError, CutoverError, DataError, MappingError } from '../../errors.js';
import { redact, redactUrl } from '../../util/redact.js';
import type { ReadRequest } from '../types.js';

interface TediousLikeError {
  code?: string;
  number?: number;
  message?: string;
}

export interface MssqlErrorContext {
  name: string;
  url: string;
}

/** A failure to open a SQL Server connection, as a ConnectionError that says why, without secrets. */
export function mssqlConnectError(ctx: MssqlErrorContext, err: unknown): CutoverError {
  if (err instanceof CutoverError) return err;
  const e = (err ?? {}) as TediousLikeError;
  const raw = redact(describe(err));
  let cause = raw;
  let hint = 'Check the url and that the server accepts connections from this machine.';
  if (/ECONNREFUSED/.test(raw)) {
    cause = `the server refused the connection (nothing listens there): ${raw}`;
    hint = 'Check that SQL Server is running and that the host and port (default 1433) in the url are right.';
  } else if (/ENOTFOUND|EAI_AGAIN/.test(raw)) {
    cause = `the host cannot be resolved: ${raw}`;
    hint = 'Check the host name in the url.';
  } else if (e.code === 'ETIMEOUT' || /EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|timeout/i.test(raw)) {
    cause = `the host is unreachable or did not answer in time: ${raw}`;
    hint =
      'Check the host and port, the network and firewalls; raise connectTimeoutMs if the server is slow.';
  } else if (/Cannot open database/i.test(raw) || e.number === 4060) {
    cause = `the database does not exist or this login cannot open it: ${raw}`;
    hint = "Check the database name at the end of the url and the login's access to it.";
  } else if (e.code === 'ELOGIN' || e.number === 18456) {
    cause = `authentication failed: ${raw}`;
    hint = 'Check the user and password in the url; keep the password out of cutover.yaml with ${VAR}.';
  } else if (/certificate|self.signed|TLS|SSL/i.test(raw)) {
    hint = 'For a server with a self-signed certificate add ?trustServerCertificate=true to the url.';
  }
  return new ConnectionError(
    `Connection "${ctx.name}" (${redactUrl(ctx.url)}): cannot connect: ${cause}.`,
    hint,
    {
      cause: err,
    },
  );
}

/** tedious hides the socket error (ECONNREFUSED...) in `cause`, an AggregateError: bring it up. */
function describe(err: unknown): string {
  const e = (err ?? {}) as TediousLikeError & {
    cause?: { message?: string; errors?: { message?: string }[] };
  };
  const inner = e.cause?.errors?.map((x) => x.message).filter(Boolean) ?? [];
  const parts = [String(e.message ?? err), ...(inner.length ? inner : [e.cause?.message])];
  return [...new Set(parts.filter((p): p is string => !!p))].join(': ');
}

/** A failed read or column check, naming the connection, the table and the column. */
export function mssqlQueryError(
  ctx: MssqlErrorContext,
  req: Pick<ReadRequest, 'table' | 'query' | 'columns'>,
  err: unknown,
): CutoverError {
  if (err instanceof CutoverError) return err;
  const e = (err ?? {}) as TediousLikeError;
  if (e.code && e.code !== 'EREQUEST') return mssqlConnectError(ctx, err);
  const raw = redact(String(e.message ?? err));
  const conn = `Connection "${ctx.name}" (${redactUrl(ctx.url)})`;
  const source = req.table ? `the table ${req.table}` : 'the mapping query';
  switch (e.number) {
    case 208:
      return new DataError(
        `${conn}: ${source} does not exist (${raw}).`,
        'Check the table name (and schema, e.g. dbo.) in the mapping.',
        { cause: err },
      );
    case 207: {
      const col = /Invalid column name '(.+?)'/i.exec(raw)?.[1];
      return new DataError(
        `${conn}: the column ${col ?? '(unknown)'} does not exist in ${source} (${raw}).`,
        `Check the column names in the mapping (asked for: ${req.columns.join(', ')}).`,
        { cause: err },
      );
    }
    case 229:
    case 230:
      return new ConnectionError(
        `${conn}: permission denied reading ${source} (${raw}).`,
        'Grant SELECT on it to the login in the url.',
        { cause: err },
      );
    case 3906:
    case 3908:
      return new ConnectionError(
        `${conn}: the read tried to write on a read-only connection (${raw}).`,
        'A readOnly connection only runs SELECTs.',
        { cause: err },
      );
    default:
      if (e.number === 102 || e.number === 156 || e.number === 4104 || e.number === 8116) {
        return new MappingError(
          `${conn}: the read of ${source} failed: ${raw}.`,
          "Check the mapping's where/query SQL against this database.",
          { cause: err },
        );
      }
      return new DataError(`${conn}: the read of ${source} failed: ${raw}.`, undefined, { cause: err });
  }
}

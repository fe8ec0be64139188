import type { FieldType } from '../settings.js';
import type { ReadRequest } from '../types.js';
import { bucketRead, mssqlChecksum } from '../checksum-sql.js';
import { formatWindowBound, keySetClause, quoteBracket, quoteQualified } from '../sql-text.js';
import { derivedQuery, type QuerySyntax } from '../mapping-query.js';

/** SQL Server's strings and quoted names: '…', "…" and […]; block comments nest. */
const MSSQL_SYNTAX: QuerySyntax = { quotes: { "'": "'", '"': '"', '[': ']' }, nestedComments: true };

/** What the server says a result column is (tedious' type name and length), when known. */
export interface MssqlColumnType {
  name: string;
  dataLength?: number;
}

/**
 * The select expression for one column, so that exact values arrive as exact text: tedious turns
 * DECIMAL/NUMERIC/MONEY into floats and datetimes into JS Dates. MONEY needs style 2 (four decimals;
 * the default style rounds to two). DATETIMEOFFSET is shifted to UTC first. FLOAT stays a number:
 * a JS number holds a float exactly.
 */
export function mssqlColumnExpr(column: string, sqlType?: MssqlColumnType, hint?: FieldType): string {
  const q = quoteBracket(column);
  const t = sqlType?.name.toLowerCase();
  let expr: string | undefined;
  if (t !== undefined) {
    if (/^(decimal|numeric)/.test(t)) expr = `CAST(${q} AS VARCHAR(64))`;
    else if (t.includes('money')) expr = `CONVERT(VARCHAR(64), ${q}, 2)`;
    else if (t === 'bigint' || (t === 'intn' && sqlType?.dataLength === 8))
      expr = `CAST(${q} AS VARCHAR(20))`;
    else if (t.startsWith('datetimeoffset')) expr = `CONVERT(VARCHAR(40), SWITCHOFFSET(${q}, '+00:00'), 126)`;
    else if (/^(datetime|smalldatetime)/.test(t)) expr = `CONVERT(VARCHAR(33), ${q}, 126)`;
    else if (t === 'date') expr = `CONVERT(VARCHAR(10), ${q}, 23)`;
  } else if (hint === 'decimal') expr = `CAST(${q} AS VARCHAR(64))`;
  else if (hint === 'integer') expr = `CAST(${q} AS VARCHAR(20))`;
  else if (hint === 'timestamp') expr = `CONVERT(VARCHAR(33), ${q}, 126)`;
  else if (hint === 'date') expr = `CONVERT(VARCHAR(10), ${q}, 23)`;
  return expr ? `${expr} AS ${q}` : q;
}

/** The FROM source: a bracket-quoted table, or the mapping's query as a derived table. */
export function mssqlSource(req: Pick<ReadRequest, 'table' | 'query'>): string {
  if (req.query) return derivedQuery(req.query, '[cutover_q]', MSSQL_SYNTAX);
  if (!req.table) throw new Error('a read needs a table or a query');
  return quoteQualified(req.table, quoteBracket);
}

/**
 * The SELECT of a read for SQL Server, with window bounds as parameters `@p0`, `@p1` (bound as
 * ISO 8601 text with a `T`, which SQL Server reads the same under every DATEFORMAT/language).
 * `sqlTypes` (from a `TOP 0` probe) picks the casts; without it, `req.types` hints do.
 */
export function mssqlSelect(
  req: ReadRequest,
  sqlTypes?: (MssqlColumnType | undefined)[],
  opts: { top0?: boolean } = {},
): { sql: string; bindings: string[] } {
  const cols = req.columns.map((c, i) =>
    opts.top0 ? quoteBracket(c) : mssqlColumnExpr(c, sqlTypes?.[i], req.types?.[i]),
  );
  const where: string[] = [];
  const bindings: string[] = [];
  if (req.where) where.push(`(${req.where})`);
  const w = req.window;
  if (w) {
    const tz = w.naive || (w.timezone && w.timezone !== 'UTC') ? w.timezone : undefined;
    const bound = (d: Date) => formatWindowBound(d, tz, false).replace(' ', 'T');
    if (w.since) {
      where.push(`${quoteBracket(w.column)} >= @p${bindings.length}`);
      bindings.push(bound(w.since));
    }
    if (w.until) {
      where.push(`${quoteBracket(w.column)} < @p${bindings.length}`);
      bindings.push(bound(w.until));
    }
  }
  if (req.keys)
    where.push(
      keySetClause(req.keys, quoteBracket, (v) => {
        bindings.push(v);
        return `@p${bindings.length - 1}`;
      }),
    );
  const buckets = req.buckets && bucketRead(mssqlChecksum, req.buckets);
  if (buckets) where.push(buckets.where);
  const sql = `SELECT ${opts.top0 ? 'TOP 0 ' : ''}${cols.join(', ')} FROM ${buckets?.source ?? mssqlSource(req)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
  return { sql, bindings };
}

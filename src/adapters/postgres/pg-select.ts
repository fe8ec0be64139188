import type { ReadRequest } from '../types.js';
import { bucketRead, pgChecksum } from '../checksum-sql.js';
import { formatWindowBound, keySetClause, quoteDouble, quoteQualified } from '../sql-text.js';
import { derivedQuery, type QuerySyntax } from '../mapping-query.js';

/** PostgreSQL's strings and quoted names: '…', E'…', "…", $tag$…$tag$; block comments nest. */
const PG_SYNTAX: QuerySyntax = { quotes: { "'": "'", '"': '"' }, postgres: true, nestedComments: true };

/** The FROM source of a read: a quoted table, or the mapping's query as a subquery. */
export function pgSource(req: Pick<ReadRequest, 'table' | 'query'>): string {
  if (req.query) return derivedQuery(req.query, 'cutover_q', PG_SYNTAX);
  if (!req.table) throw new Error('a read needs a table or a query');
  return quoteQualified(req.table, quoteDouble);
}

/** A string literal; only ever given text we formatted ourselves (digits and separators). */
function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * A key value as an escape-string literal: `E'…'` reads backslashes as escapes whatever
 * standard_conforming_strings says, so doubling quotes and backslashes is a complete escape. A
 * value with a NUL cannot be a PostgreSQL text value (the caller leaves such keys out).
 */
export function textLiteral(text: string): string {
  if (text.includes('\0')) throw new RangeError('a NUL cannot be in a PostgreSQL text literal');
  return `E'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * The SELECT of a read, with the window bounds written as literals.
 *
 * Why literals and not bound parameters: `COPY (query) TO STDOUT` takes no parameters, and COPY's
 * text output is what makes reads fast (row mode costs ~2.6x, see PERF-NOTES). A server-side cursor
 * would allow parameters but brings back row mode. The only values embedded are window bounds,
 * which are `Date`s formatted here into digits and separators, then quoted, and the keys of a
 * key-set read, escaped completely as E'' literals (textLiteral). `where`/`query` are trusted
 * configuration, as on every dialect.
 */
export function pgSelect(req: ReadRequest): string {
  const cols = req.columns.map(quoteDouble).join(', ');
  const where: string[] = [];
  if (req.where) where.push(`(${req.where})`);
  const w = req.window;
  if (w) {
    // A naive column stored in a zone compares against that zone's wall clock; otherwise UTC with
    // an explicit +00 (which a `timestamp` column ignores and a `timestamptz` column honours).
    const tz = w.naive || (w.timezone && w.timezone !== 'UTC') ? w.timezone : undefined;
    if (w.since) where.push(`${quoteDouble(w.column)} >= ${literal(formatWindowBound(w.since, tz))}`);
    if (w.until) where.push(`${quoteDouble(w.column)} < ${literal(formatWindowBound(w.until, tz))}`);
  }
  if (req.keys) where.push(keySetClause(req.keys, quoteDouble, textLiteral));
  const buckets = req.buckets && bucketRead(pgChecksum, req.buckets);
  if (buckets) where.push(buckets.where);
  return `SELECT ${cols} FROM ${buckets?.source ?? pgSource(req)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
}

/** The COPY statement that streams a read as text format. */
export function pgCopySelect(req: ReadRequest): string {
  return `COPY (${pgSelect(req)}) TO STDOUT`;
}

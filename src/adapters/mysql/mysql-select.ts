import type { ReadRequest } from '../types.js';
import { UsageError } from '../../errors.js';
import { bucketRead, mysqlChecksum } from '../checksum-sql.js';
import { formatWindowBound, keySetClause, quoteQualified } from '../sql-text.js';
import { derivedQuery, type QuerySyntax } from '../mapping-query.js';

/** MySQL/MariaDB: '…' and "…" with backslash escapes, `…` names, `#` and `-- ` line comments. */
const MYSQL_SYNTAX: QuerySyntax = {
  quotes: { "'": "'", '"': '"', '`': '`' },
  backslashIn: `'"`,
  mysqlComments: true,
};

/** MySQL/MariaDB quote identifiers with backticks (doubled inside). */
export const quoteBacktick = (id: string): string => `\`${id.replace(/`/g, '``')}\``;

/** The FROM source of a read: a quoted table, or the mapping's query as a subquery. */
export function mysqlSource(req: Pick<ReadRequest, 'table' | 'query'>): string {
  if (req.query) return derivedQuery(req.query, 'cutover_q', MYSQL_SYNTAX);
  if (!req.table) throw new Error('a read needs a table or a query');
  return quoteQualified(req.table, quoteBacktick);
}

/**
 * The first wall-clock time MySQL's DATETIME and DATE types support; earlier ones "might work, but
 * there is no guarantee" (the MySQL manual, "The DATE, DATETIME, and TIMESTAMP Types"). MariaDB 10.11 compares them right, yet a
 * bound the engine may misread is refused rather than risked: a wrong window reads rows silently.
 */
const MYSQL_FIRST_WALL_CLOCK = '1000-01-01 00:00:00';

/** A window bound as MySQL compares it: wall-clock text, refused before MYSQL_FIRST_WALL_CLOCK. */
function mysqlBound(d: Date, tz: string | undefined, flag: '--since' | '--until'): string {
  const text = formatWindowBound(d, tz, false);
  if (text < MYSQL_FIRST_WALL_CLOCK)
    throw new UsageError(
      `${flag} ${d.toISOString()} is ${text}${tz ? ` in ${tz}` : ' UTC'} on a MySQL/MariaDB side, before ${MYSQL_FIRST_WALL_CLOCK}, the first value MySQL's DATETIME and DATE types support (earlier ones are compared without guarantee).`,
      flag === '--since'
        ? `Give a --since from ${MYSQL_FIRST_WALL_CLOCK.slice(0, 10)} on, or leave it out to read from the first row.`
        : `Give an --until after ${MYSQL_FIRST_WALL_CLOCK.slice(0, 10)}.`,
    );
  return text;
}

/**
 * The SELECT of a read; window bounds are bound parameters. The session runs in UTC, so a TIMESTAMP
 * column compares against UTC wall-clock text; a naive DATETIME column stored in a zone compares
 * against that zone's wall clock.
 */
export function mysqlSelect(req: ReadRequest): { sql: string; params: string[] } {
  const cols = req.columns.map(quoteBacktick).join(', ');
  const where: string[] = [];
  const params: string[] = [];
  if (req.where) where.push(`(${req.where})`);
  const w = req.window;
  if (w) {
    const tz = w.naive ? w.timezone : undefined;
    if (w.since) {
      where.push(`${quoteBacktick(w.column)} >= ?`);
      params.push(mysqlBound(w.since, tz, '--since'));
    }
    if (w.until) {
      where.push(`${quoteBacktick(w.column)} < ?`);
      params.push(mysqlBound(w.until, tz, '--until'));
    }
  }
  if (req.keys)
    where.push(
      keySetClause(req.keys, quoteBacktick, (v) => {
        params.push(v);
        return '?';
      }),
    );
  const buckets = req.buckets && bucketRead(mysqlChecksum, req.buckets);
  if (buckets) where.push(buckets.where);
  return {
    sql: `SELECT ${cols} FROM ${buckets?.source ?? mysqlSource(req)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`,
    params,
  };
}

import type { Knex } from 'knex';
import { ageDays } from './severity.js';
import type { ExceptionFilter } from './types.js';
import { parseId } from './ids.js';
import { DIFFERENCE_CAUSES_TABLE } from '../store/differences.js';

const DAY = 86_400_000;

/**
 * The effective severity as SQL, so lists can filter and sort on it: the variance's severity, raised
 * to medium after 3 days and high after 7 days while the item is still open or assigned.
 */
export function severitySql(now: Date): { sql: string; bindings: string[] } {
  const high = new Date(now.getTime() - ageDays.high * DAY).toISOString();
  const medium = new Date(now.getTime() - ageDays.medium * DAY).toISOString();
  const active = `status IN ('open', 'assigned')`;
  return {
    sql: `CASE WHEN size_severity = 'high' OR (${active} AND first_seen <= ?) THEN 'high' WHEN size_severity = 'medium' OR (${active} AND first_seen <= ?) THEN 'medium' ELSE 'low' END`,
    bindings: [high, medium],
  };
}

/** Narrows a query on cutover_exceptions to the items `filter` names. */
export function applyFilter(q: Knex.QueryBuilder, filter: ExceptionFilter): Knex.QueryBuilder {
  const now = filter.now ?? new Date();
  if (filter.ids?.length) q.whereIn('id', filter.ids.map(parseId));
  if (filter.afterId !== undefined) q.where('id', '>', filter.afterId);
  if (filter.status?.length) q.whereIn('status', filter.status);
  if (filter.kind?.length) q.whereIn('kind', filter.kind);
  if (filter.mapping?.length) q.whereIn('mapping', filter.mapping);
  if (filter.assignee) q.where('assignee', filter.assignee);
  if (filter.severity?.length) {
    const s = severitySql(now);
    q.whereRaw(`(${s.sql}) IN (${filter.severity.map(() => '?').join(', ')})`, [
      ...s.bindings,
      ...filter.severity,
    ]);
  }
  if (filter.overdue) {
    // Open or assigned, and first seen before its (effective) severity's SLA allows.
    const s = severitySql(now);
    const parts: string[] = [];
    const bindings: string[] = [];
    for (const sev of ['high', 'medium', 'low'] as const) {
      const ms = filter.sla?.[sev];
      if (ms === undefined) continue;
      parts.push(`((${s.sql}) = ? AND first_seen <= ?)`);
      bindings.push(...s.bindings, sev, new Date(now.getTime() - ms).toISOString());
    }
    q.whereIn('status', ['open', 'assigned']);
    if (parts.length) q.whereRaw(`(${parts.join(' OR ')})`, bindings);
    else q.whereRaw('1 = 0');
  }
  if (filter.olderThanMs !== undefined)
    q.where('first_seen', '<=', new Date(now.getTime() - filter.olderThanMs).toISOString());
  if (filter.cause?.length) {
    const kinds = filter.cause;
    q.whereExists(function () {
      void this.select('c.seq')
        .from(`${DIFFERENCE_CAUSES_TABLE} as c`)
        .whereRaw('c.run_id = cutover_exceptions.last_run_id')
        .whereRaw('c.key_text = cutover_exceptions.key_text')
        .whereRaw('c.type = cutover_exceptions.kind')
        .whereIn('c.cause', kinds);
    });
  }
  if (filter.keyContains) {
    const like = '%' + filter.keyContains.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c) + '%';
    q.whereRaw(`LOWER(key_text) LIKE ? ESCAPE '\\'`, [like]);
  }
  return q;
}

/** ORDER BY for a sort key; ties broken by id so pages are stable. */
export function applySort(q: Knex.QueryBuilder, filter: ExceptionFilter): Knex.QueryBuilder {
  const s = severitySql(filter.now ?? new Date());
  switch (filter.sort ?? 'id') {
    case 'severity':
      q.orderByRaw(
        `CASE (${s.sql}) WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, first_seen`,
        s.bindings,
      );
      break;
    case 'age':
      q.orderBy('first_seen', 'asc');
      break;
    case 'last-seen':
      q.orderBy('last_seen', 'desc');
      break;
    case 'occurrences':
      q.orderBy('occurrences', 'desc');
      break;
    case 'mapping':
      q.orderBy('mapping', 'asc').orderBy('key_text', 'asc');
      break;
    case 'id':
      break;
  }
  return q.orderBy('id', 'asc');
}

/** Does the filter narrow anything (a bulk action needs at least one narrowing flag)? */
export function narrows(filter: ExceptionFilter): boolean {
  return Boolean(
    filter.status?.length ||
    filter.kind?.length ||
    filter.mapping?.length ||
    filter.assignee ||
    filter.severity?.length ||
    filter.olderThanMs !== undefined ||
    filter.overdue ||
    filter.keyContains ||
    filter.cause?.length,
  );
}

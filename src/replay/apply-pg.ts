import pg from 'pg';
import type { Knex } from 'knex';
import { LEDGER_TABLE, imageJson, type LedgerRow } from './ledger.js';
import { resolveColumns } from './resolve.js';
import { PermanentError } from './retry-policy.js';
import { addDecimal } from './decimal.js';
import type { DbPlan } from './apply-db.js';

/** The slice of a pg client this path uses. */
interface PgConn {
  query(text: string): Promise<pg.QueryResult | pg.QueryResult[]>;
}

type Row = Record<string, unknown>;

const lit = (v: unknown): string =>
  v === null || v === undefined
    ? 'NULL'
    : typeof v === 'boolean'
      ? v
        ? 'TRUE'
        : 'FALSE'
      : pg.escapeLiteral(typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
const identCache = new Map<string, string>();
const ident = (name: string): string => {
  let q = identCache.get(name);
  if (q === undefined) identCache.set(name, (q = name.split('.').map(pg.escapeIdentifier).join('.')));
  return q;
};
const where = (m: Row): string =>
  Object.entries(m)
    .map(([c, v]) => (v === null || v === undefined ? `${ident(c)} IS NULL` : `${ident(c)} = ${lit(v)}`))
    .join(' AND ');

/**
 * The PostgreSQL fast path of applyDbGroup: same effects, same ledger rows, one transaction per
 * group, but three round trips for the whole group instead of several per event — (1) BEGIN and
 * the ledger check, (2) every event's locking SELECT and its change, sent as one multi-statement
 * query, (3) the ledger rows and COMMIT. Values are sent as escaped literals (pg.escapeLiteral), typed
 * by the column they meet. Any failure rolls the whole group back (the caller retries one by one).
 */
export async function applyPgGroup(
  knex: Knex,
  plans: DbPlan[],
): Promise<Map<string, 'applied' | 'alreadyApplied'>> {
  const client = knex.client as {
    acquireConnection(): Promise<PgConn>;
    releaseConnection(c: PgConn): Promise<void>;
  };
  const conn = await client.acquireConnection();
  let open = false;
  let broken = false;
  try {
    const ids = plans.map((p) => lit(p.event.id)).join(', ');
    const first = (await conn.query(
      `BEGIN; SELECT event_id FROM ${LEDGER_TABLE} WHERE event_id IN (${ids}) FOR UPDATE`,
    )) as pg.QueryResult[];
    open = true;
    const out = new Map<string, 'applied' | 'alreadyApplied'>();
    for (const r of first[1]!.rows as { event_id: string }[]) out.set(r.event_id, 'alreadyApplied');
    const todo = plans.filter((p) => !out.has(p.event.id));
    const prepared = todo.map((p) => {
      const match = resolveColumns(p.event, p.rule.match);
      const values = resolveColumns(p.event, p.rule.values);
      return { p, match, values, sql: statements(p, match, values) };
    });
    const { sql, read } = await plan(conn, knex, prepared);
    const results: pg.QueryResult[] = [];
    if (sql.length) {
      const res = await conn.query(sql.join('; '));
      results.push(...(Array.isArray(res) ? res : [res]));
    }
    const images = read(results);
    const ledger: LedgerRow[] = [];
    for (const [n, x] of prepared.entries()) {
      const action = x.p.rule.action!;
      const { before, after } = images[n]!;
      if ((action === 'update' || action === 'increment') && before.length === 0)
        throw new PermanentError(
          `no row in ${x.p.rule.table} matches ${JSON.stringify(x.match)} (action ${action} needs one)`,
        );
      ledger.push(ledgerRow(x.p, x.match, before, after));
      out.set(x.p.event.id, 'applied');
    }
    const cols = ledger[0] ? Object.keys(ledger[0]) : [];
    const insert = ledger.length
      ? `INSERT INTO ${LEDGER_TABLE} (${cols.map(ident).join(', ')}) VALUES ${ledger
          .map((r) => `(${cols.map((c) => lit((r as unknown as Row)[c])).join(', ')})`)
          .join(', ')}; `
      : '';
    await conn.query(`${insert}COMMIT`);
    open = false;
    return out;
  } catch (err) {
    if (open) await conn.query('ROLLBACK').catch(() => (broken = true));
    throw err;
  } finally {
    if (broken) (conn as unknown as { end?: () => void }).end?.();
    await client.releaseConnection(conn);
  }
}

interface Prepared {
  p: DbPlan;
  match: Row;
  values: Row;
}
type Images = { before: Row[]; after: Row[] }[];

const SIDE = '__cutover_side';
const ORD = '__cutover_ord';
const columnTypes = new WeakMap<Knex, Map<string, Map<string, string>>>();

/** Each column's type (without modifiers), read once per table: VALUES lists need explicit casts. */
async function typesOf(conn: PgConn, knex: Knex, table: string): Promise<Map<string, string>> {
  let cache = columnTypes.get(knex);
  if (!cache) columnTypes.set(knex, (cache = new Map()));
  let types = cache.get(table);
  if (!types) {
    const res = (await conn.query(
      `SELECT attname, format_type(atttypid, NULL) AS t FROM pg_attribute WHERE attrelid = ${lit(ident(table))}::regclass AND attnum > 0 AND NOT attisdropped`,
    )) as pg.QueryResult;
    types = new Map((res.rows as { attname: string; t: string }[]).map((r) => [r.attname, r.t]));
    cache.set(table, types);
  }
  return types;
}

/**
 * The SQL for a group and how to read its results back into per-event images. Increments, updates
 * and upserts of the same table and shape become ONE set-based statement (a VALUES list joined on
 * the match columns, before-images from a FOR UPDATE join, after-images from RETURNING), which is
 * what lets a grouped replay approach batched writes. That is only equivalent to applying the events
 * one by one when no two events of the group touch the same row and no match value is NULL; otherwise
 * every event gets its own statements.
 */
async function plan(
  conn: PgConn,
  knex: Knex,
  prepared: Prepared[],
): Promise<{ sql: string[]; read: (results: pg.QueryResult[]) => Images }> {
  const seen = new Set<string>();
  let distinct = true;
  for (const x of prepared) {
    const k = `${x.p.rule.table}|${JSON.stringify(x.match)}`;
    if (seen.has(k)) distinct = false;
    seen.add(k);
  }
  const batches = new Map<string, number[]>();
  const single: number[] = [];
  prepared.forEach((x, n) => {
    const a = x.p.rule.action!;
    const ok =
      distinct &&
      (a === 'increment' || a === 'update' || a === 'upsert') &&
      Object.keys(x.match).length > 0 &&
      Object.values(x.match).every((v) => v !== null && v !== undefined);
    if (!ok) return single.push(n);
    const shape = `${x.p.rule.table}|${a}|${Object.keys(x.match).join(',')}|${Object.keys(x.values).join(',')}`;
    const list = batches.get(shape);
    if (list) list.push(n);
    else batches.set(shape, [n]);
  });
  const sql: string[] = [];
  const readers: ((results: pg.QueryResult[], at: number, images: Images) => number)[] = [];
  for (const idx of batches.values()) {
    if (idx.length === 1) {
      single.push(idx[0]!);
      continue;
    }
    const first = prepared[idx[0]!]!;
    const types = await typesOf(conn, knex, first.p.rule.table!);
    sql.push(batchStatement(prepared, idx, types));
    readers.push((results, at, images) => {
      for (const row of results[at]!.rows as Row[]) {
        const side = row[SIDE];
        const ord = Number(row[ORD]);
        const { [SIDE]: _s, [ORD]: _o, ...clean } = row;
        const img = images[ord]!;
        (side === 'b' ? img.before : img.after).push(clean);
      }
      return at + 1;
    });
  }
  for (const n of single) {
    const x = prepared[n]!;
    const stmts = statements(x.p, x.match, x.values);
    sql.push(...stmts);
    readers.push((results, at, images) => {
      const action = x.p.rule.action!;
      if (action !== 'insert') images[n]!.before = results[at++]!.rows as Row[];
      // Every statement has a result, the DELETE too: skip it, or later events read shifted images.
      if (action === 'delete') at++;
      else images[n]!.after = results[at++]!.rows as Row[];
      return at;
    });
  }
  return {
    sql,
    read: (results) => {
      const images: Images = prepared.map(() => ({ before: [], after: [] }));
      let at = 0;
      for (const r of readers) at = r(results, at, images);
      return images;
    },
  };
}

/** One set-based statement for events `idx` (same table, action and columns; distinct rows). */
function batchStatement(prepared: Prepared[], idx: number[], types: Map<string, string>): string {
  const first = prepared[idx[0]!]!;
  const t = ident(first.p.rule.table!);
  const action = first.p.rule.action!;
  const mcols = Object.keys(first.match);
  const vcols = Object.keys(first.values);
  const cast = (col: string, v: unknown) => (types.has(col) ? `${lit(v)}::${types.get(col)}` : lit(v));
  const vname = (i: number) => `c${i}`;
  const rows = idx.map((n) => {
    const x = prepared[n]!;
    for (const [c, v] of Object.entries(x.values))
      if (action === 'increment' && addDecimal('0', v) === undefined)
        throw new PermanentError(
          `the increment ${JSON.stringify(v)} for ${x.p.rule.table}.${c} is not a decimal number`,
        );
    return `(${n}, ${[...mcols.map((c) => cast(c, x.match[c])), ...vcols.map((c) => cast(c, x.values[c]))].join(', ')})`;
  });
  const names = ['o', ...mcols.map((_, i) => vname(i)), ...vcols.map((_, i) => vname(mcols.length + i))];
  const on = mcols.map((c, i) => `t.${ident(c)} = v.${vname(i)}`).join(' AND ');
  const set = vcols
    .map((c, i) => {
      const v = `v.${vname(mcols.length + i)}`;
      return action === 'increment'
        ? `${ident(c)} = COALESCE(t.${ident(c)}, 0) + ${v}`
        : `${ident(c)} = ${v}`;
    })
    .join(', ');
  let text =
    `WITH v(${names.join(', ')}) AS (VALUES ${rows.join(', ')}), ` +
    `b AS (SELECT v.o AS ${ORD}, t.* FROM ${t} t JOIN v ON ${on} FOR UPDATE OF t), ` +
    `u AS (UPDATE ${t} t SET ${set} FROM v WHERE ${on} RETURNING v.o AS ${ORD}, t.*)`;
  let tail = '';
  if (action === 'upsert') {
    const cols = [...mcols, ...vcols.filter((c) => !mcols.includes(c))];
    const src = cols.map(
      (c) => `v.${vname(mcols.includes(c) ? mcols.indexOf(c) : mcols.length + vcols.indexOf(c))}`,
    );
    const back = mcols.map((c, i) => `w.${vname(i)} = t.${ident(c)}`).join(' AND ');
    text +=
      `, i AS (INSERT INTO ${t} AS t (${cols.map(ident).join(', ')}) SELECT ${src.join(', ')} FROM v ` +
      `WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.${ORD} = v.o) ` +
      `RETURNING (SELECT w.o FROM v w WHERE ${back}) AS ${ORD}, t.*)`;
    tail = ` UNION ALL SELECT 'a' AS ${SIDE}, i.* FROM i`;
  }
  return `${text} SELECT 'b' AS ${SIDE}, b.* FROM b UNION ALL SELECT 'a' AS ${SIDE}, u.* FROM u${tail}`;
}

/** The statements of one event: the locked before-image (unless insert), then the change returning its rows. */
function statements(p: DbPlan, match: Row, values: Row): string[] {
  const t = ident(p.rule.table!);
  const action = p.rule.action!;
  const all = { ...match, ...values };
  const cols = Object.keys(all).map(ident).join(', ');
  const vals = Object.values(all).map(lit).join(', ');
  const insert = `INSERT INTO ${t} (${cols}) VALUES (${vals})`;
  const set = (increment: boolean) =>
    Object.entries(values)
      .map(([c, v]) => {
        if (!increment) return `${ident(c)} = ${lit(v)}`;
        if (addDecimal('0', v) === undefined)
          throw new PermanentError(
            `the increment ${JSON.stringify(v)} for ${p.rule.table}.${c} is not a decimal number`,
          );
        return `${ident(c)} = COALESCE(${ident(c)}, 0) + ${lit(v)}`;
      })
      .join(', ');
  const before = `SELECT * FROM ${t} WHERE ${where(match)} FOR UPDATE`;
  switch (action) {
    case 'insert':
      return [`${insert} RETURNING *`];
    case 'update':
      return [before, `UPDATE ${t} SET ${set(false)} WHERE ${where(match)} RETURNING *`];
    case 'increment':
      return [before, `UPDATE ${t} SET ${set(true)} WHERE ${where(match)} RETURNING *`];
    case 'delete':
      return [before, `DELETE FROM ${t} WHERE ${where(match)}`];
    case 'upsert':
      return [
        before,
        `WITH u AS (UPDATE ${t} SET ${set(false)} WHERE ${where(match)} RETURNING *), ` +
          `i AS (INSERT INTO ${t} (${cols}) SELECT ${vals} WHERE NOT EXISTS (SELECT 1 FROM u) RETURNING *) ` +
          `SELECT * FROM u UNION ALL SELECT * FROM i`,
      ];
  }
}

function ledgerRow(p: DbPlan, match: Row, before: Row[], after: Row[]): LedgerRow {
  return {
    event_id: p.event.id,
    run_id: p.runId,
    seq: p.seq,
    event_type: p.event.type,
    event_key: p.event.key,
    occurred_at: p.event.occurredAt,
    action: p.rule.action!,
    table_name: p.rule.table!,
    match_json: imageJson(match),
    before_json: imageJson(before),
    after_json: imageJson(after),
    http_status: null,
    applied_at: new Date().toISOString(),
    irreversible: p.rule.irreversible ?? false,
    source_line: p.event.line,
  };
}

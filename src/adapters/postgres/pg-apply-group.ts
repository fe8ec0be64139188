import { createHash } from 'node:crypto';
import type * as Pg from 'pg';
import { pg } from './pg-driver.js';
import type { Knex } from 'knex';
import type { GroupOutcome, LedgerSpec, Row, WriteAction } from '../types.js';
import { imageJson } from '../row-json.js';
import { WriteRaceError } from '../db-errors.js';

/** The slice of a pg client this path uses. */
interface PgConn {
  query(q: string | Pg.QueryConfig): Promise<Pg.QueryResult | Pg.QueryResult[]>;
}

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
 * PostgreSQL's grouped apply (WriteDriver.applyGroup): one transaction per group, and usually ONE
 * round trip for the whole group.
 *
 * - Increments, updates and upserts run set-based (groupStatement): one named prepared statement
 *   for the group, whose parameters are the rows of each (table, action, columns) shape as JSON, so
 *   PostgreSQL plans it once per connection and no value is escaped. The same statement writes the
 *   events' ledger rows, with images PostgreSQL renders itself (rowImage), so rows never travel to
 *   Node and back. When that statement is the whole group, it runs on its own (one statement is one
 *   transaction); an update or increment that finds no row changes nothing, gets no ledger row and
 *   comes back as failed, exactly as if it had been applied on its own.
 * - The other events (inserts, deletes, NULL matches, two events on one row) each get one statement
 *   (its locking read and its change in one snapshot), sent together as one multi-statement query
 *   inside BEGIN … COMMIT; their ledger rows go in as one dollar-quoted JSON document with the COMMIT.
 * - A row another transaction changed while the locking read waited for its lock is locked and read
 *   at its newest version (READ COMMITTED's recheck), whose ctid the statement's snapshot cannot see:
 *   a change by ctid finds nothing there. A single event's change therefore finds its rows by the
 *   match, in the locking read's statement (PostgreSQL follows the match to the newest version the
 *   same way). The set-based statement keeps its TID scan (a second lookup per row cost a quarter
 *   of replay's throughput) and refuses to commit an event whose change reached some but not all of
 *   its locked rows (or none, for an update or increment): its after-image is NULL, which the
 *   ledger's NOT NULL refuses, so the whole statement fails and the caller applies the group's events
 *   one by one (WriteRaceError, see unreached). An upsert that reached none changed nothing and
 *   comes back as 'retry'.
 * - An upsert that finds no row inserts with ON CONFLICT DO NOTHING: when another transaction
 *   inserted that row meanwhile, the statement neither fails nor overwrites a row whose before-image
 *   it never saw; the event changes nothing, gets no ledger row and comes back as 'retry'.
 *
 * Exactly once: every ledger row commits with its effect, and the ledger's primary key refuses an
 * event applied twice. A single event (the one-by-one path every retry and fallback takes) checks the
 * ledger first and reports 'alreadyApplied'; a group skips that check, since replay only groups
 * events the ledger did not hold when the run started: if another process applied one meanwhile,
 * the key violation fails the group and the caller retries its events one by one, with the check.
 */
export async function applyPgGroup(
  knex: Knex,
  ledger: LedgerSpec,
  actions: WriteAction[],
): Promise<Map<string, GroupOutcome>> {
  const client = knex.client as {
    acquireConnection(): Promise<PgConn>;
    releaseConnection(c: PgConn): Promise<void>;
  };
  const alone = actions.length === 1;
  // A group's own CPU work (its values, shapes and rows as JSON) is done before it takes a
  // connection, so it overlaps with the groups already in the database. A single event first looks
  // itself up in the ledger.
  const early = alone ? undefined : organise(ledger, actions);
  const conn = await client.acquireConnection();
  let open = false;
  let broken = false;
  try {
    if (alone) {
      const first = (await conn.query(
        `BEGIN; SELECT event_id FROM ${ident(ledger.table)} WHERE event_id = ${lit(actions[0]!.id)} FOR UPDATE`,
      )) as Pg.QueryResult[];
      open = true;
      if (first[1]!.rows.length) {
        await conn.query('ROLLBACK');
        open = false;
        return new Map([[actions[0]!.id, 'alreadyApplied']]);
      }
    }
    const { sets, single, rows } = early ?? organise(ledger, actions);
    if (!open && (single.length || sets.length > 1)) {
      await conn.query('BEGIN');
      open = true;
    }
    const appliedAt = new Date().toISOString();
    const own = new Map<number, GroupOutcome>();
    for (const [k, shapes] of sets.entries()) {
      const columns: Column[][] = [];
      for (const idx of shapes) columns.push(await columnsOf(conn, knex, actions[idx[0]!]!.table));
      const { name, text } = groupText(ledger, actions, shapes, columns);
      const values = [appliedAt, ...rows[k]!];
      const res = (await conn.query({ name, text, values })) as Pg.QueryResult<{ o: number; k: string }>;
      for (const r of res.rows)
        own.set(r.o, r.k === 'r' ? { retry: raced(actions[r.o]!) } : { failed: missingRow(actions[r.o]!) });
    }
    if (open) {
      const rows = single.length ? await applySingles(conn, knex, actions, single, appliedAt, own) : [];
      await conn.query(`${rows.length ? ledgerInsert(ledger, rows) : ''}COMMIT`);
      open = false;
    }
    const out = new Map<string, GroupOutcome>();
    actions.forEach((x, n) => out.set(x.id, own.get(n) ?? 'applied'));
    return out;
  } catch (err) {
    if (open) await conn.query('ROLLBACK').catch(() => (broken = true));
    if (unreached(err, ledger))
      throw new WriteRaceError(
        'a change of this group did not reach every row it locked (another transaction changed one while the group waited for its lock); its events are applied again one by one',
        { cause: err },
      );
    throw err;
  } finally {
    if (broken) (conn as unknown as { end?: () => void }).end?.();
    await client.releaseConnection(conn);
  }
}

/**
 * Whether `err` is the set-based statement refusing an after-image it could not take (NOT NULL on
 * the ledger's after_json): a row changed by another transaction while the group waited for its lock,
 * two events on one row whose match values differ only as text, or a trigger that skipped an update.
 */
function unreached(err: unknown, ledger: LedgerSpec): boolean {
  const e = err as { code?: unknown; table?: unknown; column?: unknown };
  return e.code === '23502' && e.column === 'after_json' && e.table === ledger.table.split('.').pop();
}

/** The ledger columns the driver fills in itself; the others come from each action's `ledger`. */
const COMPUTED = new Set(['match_json', 'before_json', 'after_json', 'applied_at']);
const ledgerFields = (ledger: LedgerSpec) => ledger.columns.filter(([c]) => !COMPUTED.has(c));

/** A group's actions sorted into set-based statements and singles, with each shape's rows. */
function organise(ledger: LedgerSpec, actions: WriteAction[]) {
  const { statements: sets, single } = split(actions);
  const rows = sets.map((shapes) => shapes.map((idx) => shapeRows(ledger, actions, idx)));
  return { sets, single, rows };
}

const missingRow = (x: WriteAction) =>
  `no row in ${x.table} matches ${JSON.stringify(x.match)} (action ${x.action} needs one)`;
const raced = (x: WriteAction) =>
  `another transaction ${x.action === 'upsert' ? 'inserted or changed' : 'changed'} the row of ${x.table} at ${JSON.stringify(x.match)} meanwhile`;

/**
 * Sorts a group's events into set-based shapes (same table, action, match and value columns) and
 * single events, and packs the shapes into as few statements as is safe. Set-based is only the same
 * as applying the events one by one when no two events of the group touch the same row and no match
 * value is NULL; shapes share a statement (one snapshot) only when two shapes on one table match on
 * the same columns, whose different values then reach different rows.
 */
function split(actions: WriteAction[]): { statements: number[][][]; single: number[] } {
  // Values joined as text: two different matches may collide (1 and '1'), which only makes the
  // group take the one-statement-per-event path, never a wrong one.
  const seen = new Set<string>();
  let distinct = true;
  for (const x of actions) {
    let k = x.table;
    for (const c in x.match) k += `\u0000${c}\u0001${String(x.match[c])}`;
    if (seen.has(k)) distinct = false;
    seen.add(k);
  }
  const shapes = new Map<string, number[]>();
  const single: number[] = [];
  actions.forEach((x, n) => {
    const a = x.action;
    let ok = distinct && (a === 'increment' || a === 'update' || a === 'upsert');
    let shape = `${x.table}\u0000${a}`;
    if (ok) {
      let cols = 0;
      for (const c in x.match) {
        const v = x.match[c];
        if (v === null || v === undefined) ok = false;
        shape += `\u0000m${c}`;
        cols++;
      }
      if (cols === 0) ok = false;
      for (const c in x.values) shape += `\u0000v${c}`;
    }
    if (!ok) return single.push(n);
    const list = shapes.get(shape);
    if (list) list.push(n);
    else shapes.set(shape, [n]);
  });
  const statements: { tables: Map<string, string>; shapes: number[][] }[] = [];
  for (const idx of shapes.values()) {
    if (idx.length === 1) {
      single.push(idx[0]!);
      continue;
    }
    const x = actions[idx[0]!]!;
    const mcols = Object.keys(x.match).join('\u0000');
    let home = statements.find((st) => (st.tables.get(x.table) ?? mcols) === mcols);
    if (!home) statements.push((home = { tables: new Map(), shapes: [] }));
    home.tables.set(x.table, mcols);
    home.shapes.push(idx);
  }
  single.sort((x, y) => x - y);
  return { statements: statements.map((st) => st.shapes), single };
}

/**
 * Runs the single events of a group (inside its transaction), one statement each (its locking read
 * and its change, see statement), all in one multi-statement query; returns their ledger rows,
 * images rendered by PostgreSQL.
 * An event that changed nothing (an update that found no row, an upsert whose row another
 * transaction inserted) gets its outcome in `own` and no ledger row.
 */
async function applySingles(
  conn: PgConn,
  knex: Knex,
  actions: WriteAction[],
  single: number[],
  appliedAt: string,
  own: Map<number, GroupOutcome>,
): Promise<Row[]> {
  const sql: string[] = [];
  for (const n of single) {
    const x = actions[n]!;
    sql.push(statement(x, await columnsOf(conn, knex, x.table)));
  }
  const res = await conn.query(sql.join('; '));
  const results = Array.isArray(res) ? res : [res];
  const images = (r: Pg.QueryResult, k: string) =>
    `[${(r.rows as { k: string; img: string }[])
      .filter((x) => x.k === k)
      .map((x) => x.img)
      .join(',')}]`;
  const rows: Row[] = [];
  for (const [at, n] of single.entries()) {
    const x = actions[n]!;
    const before = images(results[at]!, 'b');
    const after = images(results[at]!, 'a');
    if ((x.action === 'update' || x.action === 'increment') && before === '[]') {
      own.set(n, { failed: missingRow(x) });
      continue;
    }
    if (x.action === 'upsert' && after === '[]') {
      own.set(n, { retry: raced(x) });
      continue;
    }
    rows.push({
      ...x.ledger,
      match_json: imageJson(x.match),
      before_json: before,
      after_json: after,
      applied_at: appliedAt,
    });
  }
  return rows;
}

/** The rows of one set-based shape as its statement's JSON parameter (see groupText). */
function shapeRows(ledger: LedgerSpec, actions: WriteAction[], idx: number[]): string {
  const first = actions[idx[0]!]!;
  const mcols = Object.keys(first.match);
  const vcols = Object.keys(first.values);
  const fields = ledgerFields(ledger);
  return JSON.stringify(
    idx.map((n) => {
      const x = actions[n]!;
      const row: unknown[] = [n, JSON.stringify(x.match)];
      for (const [c] of fields) row.push(x.ledger[c] ?? null);
      for (const c of mcols) row.push(x.match[c]);
      for (const c of vcols) row.push(x.values[c]);
      return row;
    }),
  );
}

/**
 * One statement for the set-based shapes of a group, as a named prepared statement: the text depends
 * only on the shapes, $1 is the applied-at time and $2… the rows of each shape as JSON (shapeRows:
 * each value as text, cast to its column's type as a literal would be). Per shape: before-images
 * from a per-row index lookup FOR UPDATE (LATERAL, so the plan never scans the table), the change
 * finding the locked rows again by ctid, after-images from RETURNING, an upsert inserting the rows
 * it did not find, and the ledger rows (the statement fails if a change missed a locked row, see
 * applyPgGroup). It returns the events that changed nothing: k 'm' for an update or increment that
 * found no row, 'r' for an upsert whose row another transaction inserted, or that it did not reach.
 */
function groupText(
  ledger: LedgerSpec,
  actions: WriteAction[],
  shapes: number[][],
  columns: Column[][],
): { name: string; text: string } {
  const key =
    `${ledger.table}|${ledger.columns.join(',')}\n` +
    shapes
      .map((idx, s) => {
        const first = actions[idx[0]!]!;
        return `${first.table}|${first.action}|${Object.keys(first.match).join(',')}|${Object.keys(first.values).join(',')}|${columns[s]!.map((c) => `${c.name} ${c.type}`).join(',')}`;
      })
      .join('\n');
  let cached = statementTexts.get(key);
  if (!cached) {
    const parts = shapes.map((idx, s) => shapeSql(ledger, actions[idx[0]!]!, s, columns[s]!));
    const text =
      `WITH ${parts.map((x) => x.ctes).join(', ')} ` + parts.map((x) => x.changedNothing).join(' UNION ALL ');
    cached = { name: `cutover_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`, text };
    statementTexts.set(key, cached);
  }
  return cached;
}
const statementTexts = new Map<string, { name: string; text: string }>();

/** The CTEs of shape `s` (its rows are parameter $s+2), and the SELECT of its events that changed nothing. */
function shapeSql(
  ledger: LedgerSpec,
  first: WriteAction,
  s: number,
  columns: Column[],
): { ctes: string; changedNothing: string } {
  const t = ident(first.table);
  const action = first.action;
  const mcols = Object.keys(first.match);
  const vcols = Object.keys(first.values);
  const types = new Map(columns.map((c) => [c.name, c.type]));
  const fields = ledgerFields(ledger);
  const [v, b, u, i, bj, aj, l] = ['v', 'b', 'u', 'i', 'bj', 'aj', 'l'].map((n) => `${n}${s}`);
  const all = [...mcols, ...vcols];
  const HEAD = 2 + fields.length; // o, match, the ledger's fields
  const cast = (c: string, k: number) =>
    `(e->>${HEAD + k})${types.has(c) ? `::${types.get(c)}` : ''} AS c${k}`;
  const on = (row: string) => mcols.map((c, k) => `${row}.${ident(c)} = ${v}.c${k}`).join(' AND ');
  const set = vcols
    .map((c, k) => {
      const val = `${v}.c${mcols.length + k}`;
      return action === 'increment'
        ? `${ident(c)} = COALESCE(t.${ident(c)}, 0) + ${val}`
        : `${ident(c)} = ${val}`;
    })
    .join(', ');
  const field = ([, type]: LedgerSpec['columns'][number], k: number) =>
    `(e->>${2 + k})${type === 'json' ? '' : `::${type}`} AS l${k}`;
  let ctes =
    `${v} AS (SELECT (e->>0)::int AS o, e->>1 AS match_json, ${fields.map(field).join(', ')}, ` +
    `${all.map(cast).join(', ')} FROM jsonb_array_elements($${s + 2}::jsonb) e), ` +
    `${b} AS (SELECT ${v}.o, x.tab, x.tid, x.img FROM ${v} CROSS JOIN LATERAL ` +
    `(SELECT x.tableoid AS tab, x.ctid AS tid, ${rowImage('x', columns)} AS img FROM ${t} x WHERE ${on('x')} FOR UPDATE) x), ` +
    // A ctid is an address within one table: a partitioned (or inherited) table has one per
    // partition, so the row is the pair (tableoid, ctid).
    `${u} AS (UPDATE ${t} t SET ${set} FROM ${b} JOIN ${v} ON ${v}.o = ${b}.o ` +
    `WHERE t.ctid = ${b}.tid AND t.tableoid = ${b}.tab AND t.ctid = ANY(ARRAY(SELECT tid FROM ${b})) ` +
    `RETURNING ${b}.o, ${rowImage('t', columns)} AS img)`;
  let after = `SELECT o, img FROM ${u}`;
  // The after-image is refused (see value) unless the change reached every locked row.
  let reached = `${bj}.n IS NULL OR ${aj}.n = ${bj}.n`;
  if (action === 'upsert') {
    const cols = [...mcols, ...vcols.filter((c) => !mcols.includes(c))];
    const src = cols.map(
      (c) => `${v}.c${mcols.includes(c) ? mcols.indexOf(c) : mcols.length + vcols.indexOf(c)}`,
    );
    // The inserted rows find their events again by the match columns (a hash join, not a lookup per row).
    const back = mcols.map((c, k) => `w.c${k} = ${i}.k${k}`).join(' AND ');
    ctes +=
      `, ${i} AS (INSERT INTO ${t} AS t (${cols.map(ident).join(', ')}) SELECT ${src.join(', ')} FROM ${v} ` +
      `WHERE NOT EXISTS (SELECT 1 FROM ${b} WHERE ${b}.o = ${v}.o) ON CONFLICT DO NOTHING ` +
      `RETURNING ${mcols.map((c, k) => `t.${ident(c)} AS k${k}`).join(', ')}, ${rowImage('t', columns)} AS img)`;
    after += ` UNION ALL SELECT w.o, ${i}.img FROM ${i} JOIN ${v} w ON ${back}`;
    // Two events whose match values differ as text but not as the column's type ('5' and '05' on an
    // integer key) would both find the one row the first inserted: refused, so they go one by one.
    reached = `(${reached}) AND (SELECT count(*) FROM ${i}) = (SELECT count(*) FROM ${i} JOIN ${v} w ON ${back})`;
  }
  const agg = `count(*) AS n, '[' || string_agg(img, ',') || ']' AS j`;
  const value = ([c]: LedgerSpec['columns'][number]): string => {
    if (c === 'match_json') return `${v}.match_json`;
    if (c === 'before_json') return `COALESCE(${bj}.j, '[]')`;
    // NULL, which the ledger's NOT NULL refuses, failing the whole statement, when the change did not
    // reach every row the locking read locked (see the note on ctid above applyPgGroup).
    if (c === 'after_json') return `CASE WHEN ${reached} THEN ${aj}.j END`;
    if (c === 'applied_at') return '$1';
    return `${v}.l${fields.findIndex(([f]) => f === c)}`;
  };
  // Only an event that changed something gets a ledger row: an update or increment needs a row
  // before, an upsert a row after (updated, or inserted by it).
  const join =
    action === 'upsert'
      ? `LEFT JOIN ${bj} ON ${bj}.o = ${v}.o JOIN ${aj}`
      : `JOIN ${bj} ON ${bj}.o = ${v}.o LEFT JOIN ${aj}`;
  ctes +=
    `, ${bj} AS (SELECT o, ${agg} FROM ${b} GROUP BY o), ${aj} AS (SELECT o, ${agg} FROM (${after}) a GROUP BY o), ` +
    `${l} AS (INSERT INTO ${ident(ledger.table)} (${ledger.columns.map(([c]) => ident(c)).join(', ')}) ` +
    `SELECT ${ledger.columns.map(value).join(', ')} FROM ${v} ${join} ON ${aj}.o = ${v}.o)`;
  return {
    ctes,
    changedNothing:
      action === 'upsert'
        ? `SELECT ${v}.o, 'r' AS k FROM ${v} WHERE NOT EXISTS (SELECT 1 FROM ${aj} WHERE ${aj}.o = ${v}.o)`
        : `SELECT ${v}.o, 'm' AS k FROM ${v} WHERE NOT EXISTS (SELECT 1 FROM ${b} WHERE ${b}.o = ${v}.o)`,
  };
}

/** A table column and its type (format_type, without modifiers). */
interface Column {
  name: string;
  type: string;
}
const tableColumns = new WeakMap<Knex, Map<string, Column[]>>();

/** A table's columns in order, read once per table: statements cast to them and render images of them. */
async function columnsOf(conn: PgConn, knex: Knex, table: string): Promise<Column[]> {
  let cache = tableColumns.get(knex);
  if (!cache) tableColumns.set(knex, (cache = new Map()));
  let cols = cache.get(table);
  if (!cols) {
    const res = (await conn.query(
      `SELECT attname AS name, format_type(atttypid, NULL) AS type FROM pg_attribute ` +
        `WHERE attrelid = ${lit(ident(table))}::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    )) as Pg.QueryResult<Column>;
    cols = res.rows;
    cache.set(table, cols);
  }
  return cols;
}

/**
 * Types whose JSON rendering holds numbers that JavaScript cannot read back exactly (12345678901234567.1,
 * or 2.50 inside a jsonb document): images keep them as their text, so a rollback writes back the very value.
 */
const AS_TEXT = new Set(['numeric', 'bigint', 'money', 'numeric[]', 'bigint[]', 'money[]', 'json', 'jsonb']);

/**
 * The JSON image of row `alias`, rendered by PostgreSQL: one compact object, columns in table order,
 * numeric/bigint/money and json/jsonb as their text (exact), timestamps as ISO 8601 text.
 */
function rowImage(alias: string, columns: Column[]): string {
  const cols = columns.map((c) => {
    const ref = `${alias}.${ident(c.name)}`;
    return AS_TEXT.has(c.type)
      ? `${ref}::${c.type.endsWith('[]') ? 'text[]' : 'text'} AS ${ident(c.name)}`
      : ref;
  });
  return `(SELECT row_to_json(r)::text FROM (SELECT ${cols.join(', ')}) r)`;
}

/**
 * The ledger rows of a group as ONE statement: the rows travel as a JSON document in a dollar-quoted
 * literal (no per-value escaping), and the images are `json` fields of it, so each is stored exactly
 * as PostgreSQL rendered it.
 */
function ledgerInsert(ledger: LedgerSpec, rows: Row[]): string {
  const json = `[${rows
    .map((r) => {
      const { match_json, before_json, after_json, ...rest } = r;
      return `${JSON.stringify(rest).slice(0, -1)},"match_json":${match_json as string},"before_json":${before_json as string},"after_json":${after_json as string}}`;
    })
    .join(',')}]`;
  const tag = dollarTag(json);
  const cols = ledger.columns;
  return (
    `INSERT INTO ${ident(ledger.table)} (${cols.map(([c]) => ident(c)).join(', ')}) ` +
    `SELECT ${cols.map(([c, t]) => (t === 'json' ? `r.${ident(c)}::text` : `r.${ident(c)}`)).join(', ')} ` +
    `FROM json_to_recordset(${tag}${json}${tag}::json) AS r(${cols.map(([c, t]) => `${ident(c)} ${t}`).join(', ')}); `
  );
}

/** A dollar-quote tag absent from `text` (a JSON array, so it never ends in a partial tag): no escaping needed. */
function dollarTag(text: string): string {
  let n = 0;
  while (text.includes(`$c${n}$`)) n++;
  return `$c${n}$`;
}

/**
 * The ONE statement of one event, so its locking read and its change share a snapshot: rows tagged
 * 'b' are the locked before-image (none for an insert), rows tagged 'a' the images after the change.
 * Two statements would each see the rows committed when they start: a row another transaction
 * inserted between them would be changed (an upsert's UPDATE) or missed with no before-image seen.
 * In one statement the change finds the rows by the same match in the same snapshot, and changes
 * nothing unless the locking read found them; a row changed by another transaction meanwhile is
 * re-read by both at its newest version (PostgreSQL's recheck under READ COMMITTED).
 */
function statement(x: WriteAction, columns: Column[]): string {
  const t = ident(x.table);
  const img = (alias: string) => `${rowImage(alias, columns)} AS img`;
  const { match, values } = x;
  const all = { ...match, ...values };
  const cols = Object.keys(all).map(ident).join(', ');
  const vals = Object.values(all).map(lit).join(', ');
  if (x.action === 'insert')
    return `INSERT INTO ${t} (${cols}) VALUES (${vals}) RETURNING 'a' AS k, ${img(t)}`;
  const set = (increment: boolean) =>
    Object.entries(values)
      .map(([c, v]) =>
        increment ? `${ident(c)} = COALESCE(${ident(c)}, 0) + ${lit(v)}` : `${ident(c)} = ${lit(v)}`,
      )
      .join(', ');
  // The final SELECT reads b first and whole, before anything pulls the change (u, or d which runs
  // after the SELECT): keep that order, or the change could reach rows before b locks and reads them.
  const matched = where(match);
  const found = `${matched} AND EXISTS (SELECT 1 FROM b)`;
  const head = `WITH b AS (SELECT ${img(t)} FROM ${t} WHERE ${matched} FOR UPDATE)`;
  const before = `SELECT 'b' AS k, img FROM b`;
  switch (x.action) {
    case 'update':
    case 'increment':
      return (
        `${head}, u AS (UPDATE ${t} SET ${set(x.action === 'increment')} WHERE ${found} RETURNING ${img(t)}) ` +
        `${before} UNION ALL SELECT 'a', img FROM u`
      );
    case 'delete':
      return `${head}, d AS (DELETE FROM ${t} WHERE ${found}) ${before}`;
    case 'upsert':
      // ON CONFLICT DO NOTHING: a row another transaction inserted after this statement's snapshot
      // is neither a unique violation nor overwritten unseen; the event comes back empty and is retried.
      return (
        `${head}, u AS (UPDATE ${t} SET ${set(false)} WHERE ${found} RETURNING ${img(t)}), ` +
        `i AS (INSERT INTO ${t} (${cols}) SELECT ${vals} WHERE NOT EXISTS (SELECT 1 FROM b) ON CONFLICT DO NOTHING RETURNING ${img(t)}) ` +
        `${before} UNION ALL SELECT 'a', img FROM u UNION ALL SELECT 'a', img FROM i`
      );
  }
}

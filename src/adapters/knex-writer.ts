import type { Knex } from 'knex';
import { quoteDouble } from './sql-text.js';
import type { Executor, GroupOutcome, LedgerSpec, Row, WriteAction, WriteDriver } from './types.js';
import { imageJson } from './row-json.js';
import { WriteRaceError } from './db-errors.js';

/** Rows per statement of `insertRows` (one JSON parameter each). */
const INSERT_ROWS_PER_STATEMENT = 5000;

/**
 * The write side on knex with safe defaults: portable statements, FOR UPDATE row locks, and a
 * grouped apply that runs each action on its own inside one transaction. An engine overrides only
 * what differs (its catalogue, its upsert statement, a faster grouped apply, no RETURNING...).
 */
export class KnexWriter implements WriteDriver {
  private closed = false;

  constructor(
    readonly dialect: string,
    readonly knex: Knex,
  ) {}

  transaction<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.knex.transaction(fn);
  }

  exclusiveTransaction<T>(fn: (trx: Executor) => Promise<T>): Promise<T> {
    return this.knex.transaction((trx) => fn(trx));
  }

  lockRows<Q extends Knex.QueryBuilder>(q: Q, opts: { skipLocked?: boolean } = {}): Q {
    q.forUpdate();
    if (opts.skipLocked) q.skipLocked();
    return q;
  }

  async primaryKeyOf(_table: string): Promise<string[]> {
    return [];
  }

  async columnsOf(table: string): Promise<string[] | undefined> {
    const dot = table.lastIndexOf('.');
    const q = dot > 0 ? this.knex(table.slice(dot + 1)).withSchema(table.slice(0, dot)) : this.knex(table);
    const names = await q.columnInfo().then(
      (info) => Object.keys(info),
      () => [] as string[],
    );
    return names.length ? names : undefined;
  }

  async selectRows(ex: Executor, table: string, match: Row, lock = false): Promise<Row[]> {
    const q = where(ex(table).select('*'), match);
    if (lock) this.lockRows(q);
    return (await q) as Row[];
  }

  async upsert(
    ex: Executor,
    table: string,
    match: Row,
    values: Row,
  ): Promise<{ rows: Row[]; inserted: boolean }> {
    const update = Object.keys(values).filter((c) => !(c in match));
    const q = ex(table)
      .insert({ ...match, ...values })
      .onConflict(Object.keys(match));
    const rows = (await (update.length ? q.merge(update) : q.ignore()).returning('*')) as Row[];
    return { rows, inserted: true };
  }

  async applyGroup(ledger: LedgerSpec, actions: WriteAction[]): Promise<Map<string, GroupOutcome>> {
    return this.transaction(async (trx) => {
      const out = new Map<string, GroupOutcome>();
      const have = await trx(ledger.table)
        .whereIn(
          'event_id',
          actions.map((a) => a.id),
        )
        .select('event_id');
      for (const r of have as { event_id: string }[]) out.set(r.event_id, 'alreadyApplied');
      const rows: Row[] = [];
      const appliedAt = new Date().toISOString();
      for (const a of actions) {
        if (out.has(a.id)) continue;
        const images = await this.applyOne(trx, a);
        if ('failed' in images) {
          out.set(a.id, images);
          continue;
        }
        rows.push({ ...a.ledger, match_json: imageJson(a.match), ...images, applied_at: appliedAt });
        out.set(a.id, 'applied');
      }
      for (let i = 0; i < rows.length; i += 50) await trx(ledger.table).insert(rows.slice(i, i + 50));
      return out;
    });
  }

  keyColumn(t: Knex.CreateTableBuilder, name: string, length: number): Knex.ColumnBuilder {
    return t.string(name, length);
  }

  textProblem(_text: string): string | undefined {
    return undefined;
  }

  jsonRows(_columns: readonly (readonly [string, 'text' | 'integer'])[]): string {
    throw new Error(`jsonRows is not available on ${this.dialect}`);
  }

  /**
   * One transaction; the rows travel as ONE JSON parameter per 5,000 (`jsonRows`), so the
   * statement's text is the same every time instead of one with thousands of placeholders.
   */
  async insertRows(
    table: string,
    columns: readonly string[],
    rows: readonly (readonly unknown[])[],
  ): Promise<void> {
    if (rows.length === 0) return;
    const types = columns.map((c, i) => [c, typeof rows[0]![i] === 'number' ? 'integer' : 'text'] as const);
    const sql = `INSERT INTO ${quoteDouble(table)} (${columns.map(quoteDouble).join(', ')}) SELECT ${columns
      .map((c) => `j.${quoteDouble(c)}`)
      .join(', ')} FROM ${this.jsonRows(types)}`;
    await this.knex.transaction(async (trx) => {
      for (let i = 0; i < rows.length; i += INSERT_ROWS_PER_STATEMENT) {
        const batch = rows
          .slice(i, i + INSERT_ROWS_PER_STATEMENT)
          .map((r) => Object.fromEntries(columns.map((c, k) => [c, r[k]])));
        await trx.raw(sql, [JSON.stringify(batch)]);
      }
    });
  }

  async analyze(_ex: Executor, _table: string): Promise<void> {}

  affectedRows(result: unknown): number {
    const r = result as { rowCount?: number; changes?: number } | undefined;
    return Number(r?.rowCount ?? r?.changes ?? 0);
  }

  withExclusiveLock<T>(fn: () => Promise<T>): Promise<T> {
    return fn();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.knex.destroy();
  }

  /**
   * One action's effect inside `trx`: its before- and after-images as JSON, or a failure of its own
   * (an update or increment that found no row changed nothing; its neighbours go ahead).
   */
  protected async applyOne(
    trx: Knex.Transaction,
    a: WriteAction,
  ): Promise<{ before_json: string; after_json: string } | { failed: string }> {
    const { table, match, values } = a;
    let before: Row[] = [];
    let after: Row[] = [];
    if (a.action === 'insert') after = await this.insertReturning(trx, table, { ...match, ...values });
    else {
      before = await this.beforeRows(trx, table, match);
      if ((a.action === 'update' || a.action === 'increment') && !before.length)
        return {
          failed: `no row in ${table} matches ${JSON.stringify(match)} (action ${a.action} needs one)`,
        };
      if (a.action === 'upsert') {
        if (before.length) after = await this.updateReturning(trx, table, match, values);
        else {
          const r = await this.upsert(trx, table, match, values);
          // The row appeared after our locking read: its before-image is unknown, so this
          // transaction must not commit; a retry reads it and updates it.
          if (!r.inserted)
            throw new WriteRaceError(
              `another transaction inserted the row of ${table} at ${JSON.stringify(match)}`,
            );
          after = r.rows;
        }
      } else if (a.action === 'update') after = await this.updateReturning(trx, table, match, values);
      else if (a.action === 'increment') {
        const r = await this.incrementRows(trx, table, match, values, before);
        if ('failed' in r) return r;
        after = r.rows;
      } else if (before.length) await this.applyOneDelete(trx, table, match);
    }
    return { before_json: imageJson(before.map(clean)), after_json: imageJson(after.map(clean)) };
  }

  /** The rows an action changes, locked: its before-image (an engine may add hidden columns, see clean). */
  protected beforeRows(ex: Executor, table: string, match: Row): Promise<Row[]> {
    return this.selectRows(ex, table, match, true);
  }

  /** Deletes the rows at `match`. */
  protected async applyOneDelete(ex: Executor, table: string, match: Row): Promise<void> {
    await where(ex(table), match).delete();
  }

  /** Inserts a row and returns it as stored. */
  protected async insertReturning(ex: Executor, table: string, row: Row): Promise<Row[]> {
    return (await ex(table).insert(row).returning('*')) as Row[];
  }

  /** Updates the rows at `match` and returns them as stored. */
  protected async updateReturning(ex: Executor, table: string, match: Row, set: Row): Promise<Row[]> {
    return (await where(ex(table), match).update(set).returning('*')) as Row[];
  }

  /**
   * Adds each value (an exact decimal) to its column: server-side decimal arithmetic, the value bound
   * as text. Returns the rows after.
   */
  protected async incrementRows(
    ex: Executor,
    table: string,
    match: Row,
    values: Row,
    _before: Row[],
  ): Promise<{ rows: Row[] } | { failed: string }> {
    const set: Row = {};
    for (const [col, v] of Object.entries(values)) set[col] = ex.raw('COALESCE(??, 0) + ?', [col, String(v)]);
    return { rows: await this.updateReturning(ex, table, match, set) };
  }
}

/** Adds `match` as conditions: a null or undefined value matches IS NULL. */
export function where<Q extends Knex.QueryBuilder>(q: Q, match: Row): Q {
  for (const [c, v] of Object.entries(match)) {
    if (v === null || v === undefined) q.whereNull(c);
    else q.where(c, v as Knex.Value);
  }
  return q;
}

/** A row without the engine's hidden columns a read added (`__rowid`). */
function clean(row: Row): Row {
  if (!('__rowid' in row)) return row;
  const { __rowid: _drop, ...rest } = row;
  return rest;
}

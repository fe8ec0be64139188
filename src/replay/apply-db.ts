import type { Knex } from 'knex';
import type { EventRule } from '../config/events-schema.js';
import type { ReplayEvent } from './event.js';
import { LEDGER_TABLE, dbLedgerRow, imageJson, type LedgerRow } from './ledger.js';
import { resolveColumns } from './resolve.js';
import { PermanentError } from './retry-policy.js';
import { addDecimal } from './decimal.js';
import { applyPgGroup, type GroupOutcome } from './apply-pg.js';

/** One event ready to apply to a database target. */
export interface DbPlan {
  event: ReplayEvent;
  rule: EventRule;
  seq: number;
  runId: string;
}

type Row = Record<string, unknown>;

/**
 * Applies a group of events (each of a different key) in ONE transaction, each with its ledger
 * row: all commit or none do. An event already in the ledger is skipped ('alreadyApplied'), checked
 * inside the transaction so a crash or a concurrent process can never apply it twice. (PostgreSQL's
 * set-based path may also report an update that found no row as failed on its own: see applyPgGroup.)
 */
export async function applyDbGroup(
  knex: Knex,
  dialect: string,
  plans: DbPlan[],
): Promise<Map<string, GroupOutcome>> {
  if (dialect === 'postgres') return applyPgGroup(knex, plans);
  return knex.transaction(async (trx) => {
    const out = new Map<string, GroupOutcome>();
    const have = await trx(LEDGER_TABLE)
      .whereIn(
        'event_id',
        plans.map((p) => p.event.id),
      )
      .select('event_id');
    for (const r of have as { event_id: string }[]) out.set(r.event_id, 'alreadyApplied');
    const ledger: LedgerRow[] = [];
    for (const plan of plans) {
      if (out.has(plan.event.id)) continue;
      ledger.push(await applyOne(trx, dialect, plan));
      out.set(plan.event.id, 'applied');
    }
    for (let i = 0; i < ledger.length; i += 50) await trx(LEDGER_TABLE).insert(ledger.slice(i, i + 50));
    return out;
  });
}

/** Applies one event's effect inside `trx` and returns its ledger row (not yet written). */
async function applyOne(trx: Knex.Transaction, dialect: string, plan: DbPlan): Promise<LedgerRow> {
  const { event, rule } = plan;
  const table = rule.table!;
  const action = rule.action!;
  const match = resolveColumns(event, rule.match);
  const values = resolveColumns(event, rule.values);
  const lock = (q: Knex.QueryBuilder) => (dialect === 'sqlite' ? q : q.forUpdate());
  const select = () =>
    lock(
      trx(table)
        .where(match)
        .select(dialect === 'sqlite' ? trx.raw('rowid AS __rowid, *') : '*'),
    );
  let before: Row[] = [];
  let after: Row[] = [];
  const noRow = () =>
    new PermanentError(`no row in ${table} matches ${JSON.stringify(match)} (action ${action} needs one)`);

  if (action === 'insert') {
    after = await trx(table)
      .insert({ ...match, ...values })
      .returning('*');
  } else {
    before = (await select()) as Row[];
    if (action === 'upsert') {
      after = before.length
        ? await trx(table).where(match).update(values).returning('*')
        : await trx(table)
            .insert({ ...match, ...values })
            .returning('*');
    } else if (action === 'update') {
      if (!before.length) throw noRow();
      after = await trx(table).where(match).update(values).returning('*');
    } else if (action === 'increment') {
      if (!before.length) throw noRow();
      after = await increment(trx, dialect, table, match, values, before);
    } else {
      if (before.length) await trx(table).where(match).delete();
    }
  }
  return dbLedgerRow(
    plan,
    {
      match: imageJson(match),
      before: imageJson(before.map(stripRowid)),
      after: imageJson(after.map(stripRowid)),
    },
    new Date().toISOString(),
  );
}

/**
 * Adds each value to its column exactly. Server-side decimal arithmetic where the database has it
 * (`col = COALESCE(col, 0) + ?`, the value bound as text); SQLite has no exact decimal type, so the
 * sum is computed with scaled BigInt from the locked before-image and written back per row.
 */
async function increment(
  trx: Knex.Transaction,
  dialect: string,
  table: string,
  match: Row,
  values: Row,
  before: Row[],
): Promise<Row[]> {
  for (const [col, v] of Object.entries(values))
    if (addDecimal('0', v) === undefined)
      throw new PermanentError(
        `the increment ${JSON.stringify(v)} for ${table}.${col} is not a decimal number`,
      );
  if (dialect !== 'sqlite') {
    const set: Row = {};
    for (const [col, v] of Object.entries(values))
      set[col] = trx.raw('COALESCE(??, 0) + ?', [col, String(v)]);
    return trx(table).where(match).update(set).returning('*');
  }
  const out: Row[] = [];
  for (const row of before) {
    const set: Row = {};
    for (const [col, v] of Object.entries(values)) {
      const sum = addDecimal(row[col] ?? '0', v);
      if (sum === undefined)
        throw new PermanentError(`${table}.${col} holds ${JSON.stringify(row[col])}, which is not a number`);
      set[col] = sum;
    }
    out.push(...((await trx(table).where({ rowid: row.__rowid }).update(set).returning('*')) as Row[]));
  }
  return out;
}

function stripRowid(row: Row): Row {
  if (!('__rowid' in row)) return row;
  const { __rowid: _drop, ...rest } = row;
  return rest;
}

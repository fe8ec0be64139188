import type { Knex } from 'knex';
import type { LedgerSpec, WriteDriver } from '../adapters/types.js';

/**
 * The idempotency ledger in the TARGET database: one row per applied event, written in the same
 * transaction as the event's effect, with the before-image of every row touched (rollback's input).
 *
 * Columns: event_id (PK), run_id, seq (the event's global order in its run: occurredAt, then source
 * order), event_type, event_key, occurred_at, action (insert|upsert|update|increment|delete),
 * table_name, match_json (matched key columns → values), before_json (JSON array of the full
 * before-image of each row touched, [] for a fresh insert), after_json (the rows as replay left
 * them), http_status (null here), applied_at; added: irreversible (the mapping's flag), source_line.
 */
export const LEDGER_TABLE = 'cutover_replay_ledger';

export interface LedgerRow {
  event_id: string;
  run_id: string;
  seq: number;
  event_type: string;
  event_key: string;
  occurred_at: string;
  action: string;
  table_name: string | null;
  match_json: string;
  before_json: string;
  after_json: string;
  http_status: number | null;
  applied_at: string;
  irreversible: boolean;
  source_line: number | null;
}

/** The ledger's columns, with the type a JSON document of ledger rows is read as (json: text kept verbatim). */
export const LEDGER_COLUMNS: [keyof LedgerRow, LedgerSpec['columns'][number][1]][] = [
  ['event_id', 'text'],
  ['run_id', 'text'],
  ['seq', 'bigint'],
  ['event_type', 'text'],
  ['event_key', 'text'],
  ['occurred_at', 'text'],
  ['action', 'text'],
  ['table_name', 'text'],
  ['match_json', 'json'],
  ['before_json', 'json'],
  ['after_json', 'json'],
  ['http_status', 'integer'],
  ['applied_at', 'text'],
  ['irreversible', 'boolean'],
  ['source_line', 'integer'],
];

/** The ledger as a write driver applies a group with it. */
export const LEDGER_SPEC: LedgerSpec = { table: LEDGER_TABLE, columns: LEDGER_COLUMNS };

/**
 * Creates a ledger table when it is missing: the columns every ledger shares (the event, when it was
 * applied, whether it can be undone) plus `columns`. A table another replay created at the same
 * moment is fine.
 */
export async function ensureLedgerTable(
  db: WriteDriver,
  name: string,
  columns: (t: Knex.CreateTableBuilder) => void,
): Promise<void> {
  const knex = db.knex;
  if (await knex.schema.hasTable(name)) return;
  try {
    await knex.schema.createTable(name, (t) => {
      // The two key columns compare exactly (bytewise): an event id is not equal to its upper case.
      const key = (col: string, length: number) => db.keyColumn(t, col, length);
      key('event_id', 200).primary();
      key('run_id', 100).notNullable();
      t.bigInteger('seq').notNullable();
      t.string('event_type', 200).notNullable();
      t.text('event_key').notNullable();
      t.string('occurred_at', 40).notNullable();
      columns(t);
      t.string('applied_at', 40).notNullable();
      t.boolean('irreversible').notNullable().defaultTo(false);
      t.index(['run_id', 'seq']);
    });
  } catch (err) {
    if (!(await knex.schema.hasTable(name))) throw err;
  }
}

/** Creates the ledger table in the target when it is missing. */
export async function ensureLedger(db: WriteDriver): Promise<void> {
  await ensureLedgerTable(db, LEDGER_TABLE, (t) => {
    t.string('action', 20).notNullable();
    t.string('table_name', 200);
    t.text('match_json').notNullable();
    t.text('before_json').notNullable();
    t.text('after_json').notNullable();
    t.integer('http_status');
    t.integer('source_line');
  });
}

/** What a ledger row says about the event it applied: the run that applied it and the event's identity. */
export interface LedgerEntry {
  run_id: string;
  event_type: string;
  event_key: string;
  occurred_at: string;
}

/** The ids among `ids` that a ledger table already holds, each with the run that applied it and the event's type, key and time (chunked for parameter limits). */
export async function ledgerRuns(
  knex: Knex,
  ids: string[],
  table = LEDGER_TABLE,
): Promise<Map<string, LedgerEntry>> {
  const found = new Map<string, LedgerEntry>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await knex(table)
      .whereIn('event_id', ids.slice(i, i + 500))
      .select('event_id', 'run_id', 'event_type', 'event_key', 'occurred_at');
    for (const r of rows as (LedgerEntry & { event_id: string })[])
      found.set(r.event_id, {
        run_id: r.run_id,
        event_type: String(r.event_type),
        event_key: String(r.event_key),
        occurred_at: String(r.occurred_at),
      });
  }
  return found;
}

/**
 * How an event differs from the ledger row its id already has, or undefined when the row is this
 * event (same type, key and occurredAt, as texts): an id reused for another event (ids restarting per
 * capture file) must fail, never be skipped as already applied. The ledger keeps no payload, so an
 * event that differs in its payload alone is not seen here.
 */
export function ledgerMismatch(
  id: string,
  stored: Pick<LedgerEntry, 'run_id' | 'event_type' | 'event_key' | 'occurred_at'>,
  event: { type: string; key: string; occurredAt: string },
): string | undefined {
  const diffs: string[] = [];
  if (stored.event_type !== event.type)
    diffs.push(`type ${JSON.stringify(event.type)}, not ${JSON.stringify(stored.event_type)}`);
  if (stored.event_key !== event.key)
    diffs.push(`key ${JSON.stringify(event.key)}, not ${JSON.stringify(stored.event_key)}`);
  if (stored.occurred_at !== event.occurredAt)
    diffs.push(`occurredAt ${JSON.stringify(event.occurredAt)}, not ${JSON.stringify(stored.occurred_at)}`);
  if (!diffs.length) return undefined;
  return `the event id "${id}" is already in the target's ledger (run ${stored.run_id}) for another event: this one has ${diffs.join(', ')}`;
}

/** A run's ledger rows in apply order (seq), for rollback and reports. */
export async function readLedger(knex: Knex, runId: string): Promise<LedgerRow[]> {
  return (await knex(LEDGER_TABLE).where({ run_id: runId }).orderBy('seq')) as LedgerRow[];
}

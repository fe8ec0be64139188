import type { Knex } from 'knex';
import type { EventRule } from '../config/events-schema.js';
import type { ReplayEvent } from './event.js';

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

/** The ledger's columns, with the PostgreSQL type a JSON document of ledger rows is read as (json: text kept verbatim). */
export const LEDGER_COLUMNS: [keyof LedgerRow, string][] = [
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

/** The ledger row of an event applied to a database; `json` holds the match and the images as JSON text. */
export function dbLedgerRow(
  plan: { event: ReplayEvent; rule: EventRule; seq: number; runId: string },
  json: { match: string; before: string; after: string },
  appliedAt: string,
): LedgerRow {
  return {
    event_id: plan.event.id,
    run_id: plan.runId,
    seq: plan.seq,
    event_type: plan.event.type,
    event_key: plan.event.key,
    occurred_at: plan.event.occurredAt,
    action: plan.rule.action!,
    table_name: plan.rule.table!,
    match_json: json.match,
    before_json: json.before,
    after_json: json.after,
    http_status: null,
    applied_at: appliedAt,
    irreversible: plan.rule.irreversible ?? false,
    source_line: plan.event.line,
  };
}

/**
 * Creates a ledger table when it is missing: the columns every ledger shares (the event, when it was
 * applied, whether it can be undone) plus `columns`. A table another replay created at the same
 * moment is fine.
 */
export async function ensureLedgerTable(
  knex: Knex,
  name: string,
  columns: (t: Knex.CreateTableBuilder) => void,
): Promise<void> {
  if (await knex.schema.hasTable(name)) return;
  // On PostgreSQL the two key columns compare bytewise (COLLATE "C"): every ledger row goes through
  // both indexes, and a locale-aware comparison there cost the grouped replay a sixth of its speed.
  const pg = (knex.client as { dialect?: string }).dialect === 'postgresql';
  try {
    await knex.schema.createTable(name, (t) => {
      const key = (col: string, length: number) =>
        pg ? t.specificType(col, `varchar(${length}) COLLATE "C"`) : t.string(col, length);
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

/** Creates the ledger table in the target when it is missing (dialect-neutral knex schema). */
export async function ensureLedger(knex: Knex): Promise<void> {
  await ensureLedgerTable(knex, LEDGER_TABLE, (t) => {
    t.string('action', 20).notNullable();
    t.string('table_name', 200);
    t.text('match_json').notNullable();
    t.text('before_json').notNullable();
    t.text('after_json').notNullable();
    t.integer('http_status');
    t.integer('source_line');
  });
}

/** The ids among `ids` that a ledger table already holds, each with the run that applied it (chunked for parameter limits). */
export async function ledgerRuns(
  knex: Knex,
  ids: string[],
  table = LEDGER_TABLE,
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await knex(table)
      .whereIn('event_id', ids.slice(i, i + 500))
      .select('event_id', 'run_id');
    for (const r of rows as { event_id: string; run_id: string }[]) found.set(r.event_id, r.run_id);
  }
  return found;
}

/** A run's ledger rows in apply order (seq), for rollback and reports. */
export async function readLedger(knex: Knex, runId: string): Promise<LedgerRow[]> {
  return (await knex(LEDGER_TABLE).where({ run_id: runId }).orderBy('seq')) as LedgerRow[];
}

/** JSON for ledger images: bigint as text, so exact values survive. */
export function imageJson(v: unknown): string {
  try {
    // Drivers mostly hand over text already; a replacer on every value costs more than the retry.
    return JSON.stringify(v);
  } catch {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  }
}

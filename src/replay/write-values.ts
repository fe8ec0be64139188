/**
 * The values an event writes to a table, resolved from the event and checked against the kind of
 * each target column, in one place: the real run (executor.prepare) and `replay --dry-run` both go
 * through writeValues, so a dry run's "would fail" list is the real run's failures.
 */
import type { Knex } from 'knex';
import type { EventRule, EventsMapping } from '../config/events-schema.js';
import type { ReplayEvent } from './event.js';
import type { Target } from './targets.js';
import { resolveColumns } from './resolve.js';
import { PermanentError } from './retry-policy.js';
import { targetNameOf } from './targets.js';
import { instantProblem } from '../util/instant-text.js';

/** What a column holds, as far as checking a value before writing it goes. */
export type ColumnKind = 'timestamp' | 'date' | 'decimal' | 'integer' | 'other';

/**
 * Per target connection: per table, the kind of each column (from the target's own catalog), and
 * why its engine cannot store a text value (its write driver's textProblem).
 */
export type WriteColumns = Map<string, TargetColumns>;
export interface TargetColumns {
  tables: Map<string, Map<string, ColumnKind>>;
  textProblem?: (text: string) => string | undefined;
}

/** The kind of a column from its SQL type name (as the database's catalog spells it). */
export function columnKind(sqlType: string): ColumnKind {
  const t = sqlType.trim().toLowerCase();
  if (t === 'date') return 'date';
  if (/^(timestamp|datetime|smalldatetime|datetime2|datetimeoffset)\b/.test(t)) return 'timestamp';
  if (/^(tinyint|smallint|int|integer|bigint|int2|int4|int8|mediumint)\b/.test(t)) return 'integer';
  if (/^(numeric|decimal|money|smallmoney|real|float|double|float4|float8)\b/.test(t)) return 'decimal';
  return 'other';
}

/** Reads, once per run, the column kinds of every table the given event types write. */
export async function loadWriteColumns(
  mapping: EventsMapping,
  targets: Map<string, Target>,
  types: ReadonlySet<string>,
  override?: string,
): Promise<WriteColumns> {
  const out: WriteColumns = new Map();
  for (const [type, rule] of Object.entries(mapping.events)) {
    if (!types.has(type) || !rule.table) continue;
    const name = targetNameOf(rule, mapping, override)!;
    const t = targets.get(name);
    if (t?.kind !== 'db') continue;
    let target = out.get(name);
    if (!target)
      out.set(name, (target = { tables: new Map(), textProblem: (text) => t.db.textProblem(text) }));
    const tables = target.tables;
    if (tables.has(rule.table)) continue;
    const info = await columnInfo(t.knex, rule.table);
    tables.set(rule.table, new Map(Object.entries(info).map(([c, i]) => [c, columnKind(i.type)])));
  }
  return out;
}

function columnInfo(knex: Knex, table: string): Promise<Record<string, Knex.ColumnInfo>> {
  const dot = table.lastIndexOf('.');
  const q = dot > 0 ? knex(table.slice(dot + 1)).withSchema(table.slice(0, dot)) : knex(table);
  return q.columnInfo() as Promise<Record<string, Knex.ColumnInfo>>;
}

/**
 * Resolves an event's `match` and `values` and checks each value against its column: a permanent
 * failure (the event's `replay_failed`) for a value the target would refuse or store wrongly.
 * Increments must be exact decimals; timestamp and date columns take only real instants and dates;
 * text the target's engine cannot store (`textProblem`: a NUL character in PostgreSQL) is refused
 * here, naming the column and the event field, not by the database with a message that names neither.
 */
export function writeValues(
  event: ReplayEvent,
  rule: EventRule,
  kinds: Map<string, ColumnKind> | undefined,
  textProblem?: (text: string) => string | undefined,
): { match: Record<string, unknown>; values: Record<string, unknown> } {
  const match = resolveColumns(event, rule.match);
  const values = resolveColumns(event, rule.values);
  const table = rule.table!;
  const check = (col: string, v: unknown, increment: boolean, spec: unknown) => {
    const kind = kinds?.get(col) ?? 'other';
    const problem = increment ? decimalProblem(v) : valueProblem(kind, v);
    if (problem)
      throw new PermanentError(
        increment
          ? `the increment ${show(v)} for ${table}.${col} is not a decimal number (${problem})`
          : `the value ${show(v)} for ${table}.${col} (a ${kind} column) ${problem}`,
      );
    const text = typeof v === 'string' ? textProblem?.(v) : undefined;
    if (text) {
      const from = typeof spec === 'string' && spec.startsWith('$.') ? `, from ${spec},` : '';
      throw new PermanentError(`the value ${show(v)} for ${table}.${col}${from} ${text}`);
    }
  };
  for (const [col, v] of Object.entries(match)) check(col, v, false, rule.match?.[col]);
  for (const [col, v] of Object.entries(values))
    check(col, v, rule.action === 'increment', rule.values?.[col]);
  return { match, values };
}

const show = (v: unknown): string => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
};

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/**
 * Why `v` is not an exact decimal: decimal text, or a JSON number that converts to text exactly
 * (at most 15 significant digits, no exponent: beyond that the number was already rounded when the
 * event was parsed). undefined when it is one.
 */
export function decimalProblem(v: unknown): string | undefined {
  if (typeof v === 'string')
    return DECIMAL.test(v.trim()) ? undefined : 'write plain decimal digits such as "12.50"';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return 'it is not finite';
    const text = String(Math.abs(v));
    if (/e/i.test(text)) return 'a JSON number this large or small is not exact; send it as a decimal string';
    if (text.replace('.', '').replace(/^0+/, '').length > 15)
      return 'a JSON number with more than 15 digits is not exact; send it as a decimal string';
    return undefined;
  }
  if (typeof v === 'bigint') return undefined;
  return `it is ${v === null ? 'null' : typeof v === 'boolean' ? 'a boolean' : typeof v}`;
}

function valueProblem(kind: ColumnKind, v: unknown): string | undefined {
  if (v === null || v === undefined || kind === 'other') return undefined;
  if (kind === 'decimal' || kind === 'integer') {
    const p = decimalProblem(v);
    if (p) return `is not a number: ${p}`;
    if (kind === 'integer' && !/^[+-]?\d+$/.test(String(v).trim())) return 'is not a whole number';
    return undefined;
  }
  if (typeof v !== 'string') return `is not an ISO 8601 ${kind} text`;
  const p = instantProblem(v.trim(), { time: false });
  return p ? `is not a real ${kind}: it ${p}` : undefined;
}

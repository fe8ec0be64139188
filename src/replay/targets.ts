import type { Knex } from 'knex';
import type { Adapter, WriteDriver } from '../adapters/types.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { EventRule, EventsMapping } from '../config/events-schema.js';
import { HttpAdapter } from '../adapters/http/index.js';
import { MappingError, UsageError } from '../errors.js';
import { suggest } from '../util/suggest.js';
import { redact } from '../util/redact.js';

/** An opened replay target: a database (its write side, ledger in it) or an HTTP API (ledger in the control store). */
export type Target =
  | { kind: 'db'; name: string; db: WriteDriver; knex: Knex; adapter: Adapter }
  | { kind: 'http'; name: string; http: HttpAdapter; adapter: Adapter };

/** The connection each event type goes to: its own `target`, else --target, else the mapping's `target`. */
export function targetNameOf(rule: EventRule, mapping: EventsMapping, override?: string): string | undefined {
  return rule.target ?? override ?? mapping.target;
}

/** Checks every target an events mapping uses before anything is read: known, writable, right kind. */
export function checkTargets(config: LoadedConfig, mapping: EventsMapping, override?: string): string[] {
  const names = new Set<string>();
  for (const [type, rule] of Object.entries(mapping.events)) {
    const name = targetNameOf(rule, mapping, override);
    if (!name)
      throw new UsageError(
        `The event type ${type} has no target connection.`,
        `Give --target CONNECTION, or \`target:\` in ${mapping.file}.`,
      );
    const conn = config.connections[name];
    if (!conn)
      throw new UsageError(
        `The target connection "${name}" is not in ${config.file}.`,
        `Use one of: ${Object.keys(config.connections).join(', ')}.`,
      );
    if (conn.readOnly)
      throw new UsageError(
        `The connection "${name}" is marked readOnly in ${config.file}, so replay will not write to it.`,
        'Name a writable connection with --target or `target:` in the events mapping.',
      );
    const http = /^https?:/i.test(conn.url);
    if (http !== Boolean(rule.request))
      throw new MappingError(
        `${mapping.file}: the event type ${type} ${rule.request ? 'is an HTTP request' : `writes the table ${rule.table}`} but its target "${name}" is ${http ? 'an HTTP API' : 'a database'}.`,
        http
          ? 'Give it `request: { method, path, body }`.'
          : 'Give it `table` and `action`, or an HTTP target.',
      );
    names.add(name);
  }
  return [...names];
}

/**
 * Opens a target connection and wraps it for replay. A database gets a write side with a pool of
 * exactly --concurrency connections (the adapter's own pool is sized for reads; the pool is what
 * bounds the transactions in flight; an engine with one writer at a time keeps one); `defer` closes it.
 */
export async function openTarget(
  name: string,
  open: (name: string) => Promise<Adapter>,
  poolSize: number,
  defer: (fn: () => Promise<void>) => void,
): Promise<Target> {
  const adapter = await open(name);
  if (adapter instanceof HttpAdapter) return { kind: 'http', name, http: adapter, adapter };
  if (!adapter.writer)
    throw new UsageError(
      `The connection "${name}" (${adapter.dialect}) cannot be written to.`,
      'Replay targets are PostgreSQL, SQL Server, SQLite, MySQL/MariaDB or HTTP connections.',
    );
  const db = await adapter.writer({ poolSize });
  defer(() => db.close());
  return { kind: 'db', name, db, knex: db.knex, adapter };
}

/**
 * Checks, before anything is written or recorded, that each table the source's event types write
 * exists on its (database) target with every column their `match` and `values` name: a typo in the
 * mapping is bad input (exit 2, naming the file, the event type and the column), not one failure per
 * event. Types the source does not hold are not checked (a mapping may cover tables not there yet).
 */
export async function checkTargetTables(
  mapping: EventsMapping,
  targets: Map<string, Target>,
  types: ReadonlySet<string>,
  override?: string,
): Promise<void> {
  for (const [type, rule] of Object.entries(mapping.events)) {
    if (!types.has(type)) continue;
    const t = rule.table ? targets.get(targetNameOf(rule, mapping, override)!) : undefined;
    if (t?.kind !== 'db') continue;
    const table = rule.table!;
    const cols = [...new Set([...Object.keys(rule.match ?? {}), ...Object.keys(rule.values ?? {})])];
    const failed = await t
      .knex(table)
      .select(cols.length ? cols : ['*'])
      .whereRaw('1 = 0')
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    if (!failed) continue;
    const existing = (await t.db.columnsOf(table).catch(() => undefined)) ?? [];
    const where = `${mapping.file}: the event type ${type} writes ${table} on "${t.name}"`;
    if (!existing.length)
      throw new MappingError(
        `${where}, and that table does not exist there (${firstLine(failed)}).`,
        'Check the table name (qualified with its schema when it is not in the default one), or create the table before replaying.',
      );
    const missing = cols.filter((c) => !existing.includes(c));
    if (missing.length) {
      const close = suggest(missing[0]!, existing);
      throw new MappingError(
        `${where}, which has no column ${missing.map((c) => `"${c}"`).join(', ')}.`,
        close
          ? `Did you mean "${close}"? Fix \`match\`/\`values\` of ${type} in ${mapping.file}.`
          : `Its columns are: ${existing.join(', ')}. Fix \`match\`/\`values\` of ${type} in ${mapping.file}.`,
      );
    }
    throw new MappingError(
      `${where}, and reading that table failed: ${firstLine(failed)}.`,
      'Check that the target connection may read and write it.',
    );
  }
}

function firstLine(err: Error): string {
  return redact(
    String(err.message ?? err)
      .split('\n')[0]!
      .slice(0, 300),
  );
}

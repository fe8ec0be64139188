import path from 'node:path';
import type { LoadedConfig } from '../config/load-config.js';
import { listMappingFiles, loadMapping, requireDistinctNames } from '../config/load-mappings.js';
import { checkEventTargetsWritable, loadEventsMapping } from '../config/events-schema.js';
import type { Mapping } from '../config/mapping-schema.js';
import { createAdapter } from '../adapters/registry.js';
import { redact, redactUrl } from '../util/redact.js';
import type { Logger } from '../util/logger.js';
import type { Adapter } from '../adapters/types.js';
import type { Side } from '../reconcilers/types.js';
import { ConnectionError, DataError, type CutoverError } from '../errors.js';

/**
 * What `config check [--connect] --json` prints. Scripts parse it: add fields, never rename or
 * remove one.
 *
 * ```
 * { ok: boolean,                 // false when a connection or a table check failed (exit 2)
 *   config: string,              // absolute path of cutover.yaml
 *   control: { url: string },    // the control store URL, password as ***
 *   mappings: [ { file, name, kind: "reconcile" | "events", domain? } ],
 *   connections: [ { name, url, readOnlyDeclared,              // always
 *                    dialect?, serverVersion?, latencyMs?, readOnly?,   // --connect, when it opened
 *                    error? } ],                                        // --connect, when it failed
 *   tables: [ { mapping, side: "legacy" | "cloud", connection, source, columns: string[],
 *               ok: boolean, error? } ] }                      // --connect only; [] otherwise
 * ```
 */
export interface CheckResult {
  ok: boolean;
  config: string;
  control: { url: string };
  mappings: { file: string; name: string; kind: 'reconcile' | 'events'; domain?: string }[];
  connections: {
    name: string;
    url: string;
    readOnlyDeclared: boolean;
    dialect?: string;
    serverVersion?: string;
    latencyMs?: number;
    readOnly?: boolean;
    error?: string;
  }[];
  tables: {
    mapping: string;
    side: Side;
    connection: string;
    source: string;
    columns: string[];
    ok: boolean;
    error?: string;
  }[];
}

/** The source columns one side of a mapping reads (constants read nothing). */
export function sideColumns(m: Mapping, side: Side): string[] {
  const cols = new Set<string>();
  for (const c of Object.values(m[side].columns)) {
    if (typeof c === 'string') cols.add(c);
    else {
      if (c.column) cols.add(c.column);
      if (c.signFrom) cols.add(c.signFrom.column);
    }
  }
  return [...cols];
}

function messageOf(err: unknown): string {
  const e = err as CutoverError;
  return redact(typeof e?.paragraph === 'function' ? e.paragraph() : (e?.message ?? String(err)));
}

/**
 * Validates every mapping (an invalid one throws: exit 2) and, with `connect`, opens each connection
 * and checks that every mapped table and column exists. Every connection and table is reported
 * before the outcome is decided; `result.ok` is false when any failed, and `failure` is the error
 * the command should end with.
 */
export async function checkConfig(
  config: LoadedConfig,
  opts: { connect?: boolean; logger: Logger },
): Promise<CheckResult & { failure?: CutoverError }> {
  const mappings: CheckResult['mappings'] = [];
  const reconcile: Mapping[] = [];
  for (const f of await listMappingFiles(config)) {
    if (f.events) {
      const ev = await loadEventsMapping(f.file, config);
      checkEventTargetsWritable(ev, config);
      mappings.push({ file: f.file, name: ev.name, kind: 'events' });
    } else {
      const m = await loadMapping(f.file, config);
      reconcile.push(m);
      mappings.push({
        file: f.file,
        name: m.name,
        kind: 'reconcile',
        ...(m.domain ? { domain: m.domain } : {}),
      });
    }
  }
  requireDistinctNames(reconcile);

  const connections: CheckResult['connections'] = [];
  const opened = new Map<string, Adapter>();
  const failures: string[] = [];
  try {
    for (const conn of Object.values(config.connections)) {
      const entry: CheckResult['connections'][number] = {
        name: conn.name,
        url: redactUrl(conn.url),
        readOnlyDeclared: conn.readOnly ?? false,
      };
      connections.push(entry);
      const adapter = createAdapter(conn, { logger: opts.logger }); // an unknown scheme throws here
      if (!opts.connect) continue;
      try {
        await adapter.connect();
        opened.set(conn.name, adapter);
        Object.assign(entry, await adapter.info());
      } catch (err) {
        entry.error = messageOf(err);
        failures.push(entry.error);
        opts.logger.debug({ err }, `connection ${conn.name} failed`);
      }
    }

    const tables: CheckResult['tables'] = [];
    if (opts.connect) {
      for (const m of reconcile) {
        for (const side of ['legacy', 'cloud'] as const) {
          const s = m[side];
          const adapter = opened.get(s.connection);
          if (!adapter) continue; // its connection failed: reported above
          const entry: CheckResult['tables'][number] = {
            mapping: m.name,
            side,
            connection: s.connection,
            source: s.table ?? 'query',
            columns: sideColumns(m, side),
            ok: true,
          };
          try {
            await adapter.checkColumns({ table: s.table, query: s.query, columns: entry.columns });
          } catch (err) {
            entry.ok = false;
            entry.error = messageOf(err);
            failures.push(`mapping ${m.name} (${path.basename(m.file)}) ${side} side: ${entry.error}`);
          }
          tables.push(entry);
        }
      }
    }
    const result: CheckResult & { failure?: CutoverError } = {
      ok: failures.length === 0,
      config: config.file,
      control: { url: redactUrl(config.controlUrl) },
      mappings,
      connections,
      tables,
    };
    if (failures.length) {
      const Err = connections.some((c) => c.error) ? ConnectionError : DataError;
      // Each failure is already a whole paragraph with its own fix.
      result.failure = new Err(
        failures.length === 1
          ? failures[0]!
          : `${failures.length} checks failed. ${failures.map((f, i) => `(${i + 1}) ${f}`).join(' ')}`,
        'Run `cutover config check --connect` again once fixed.',
      );
    }
    return result;
  } finally {
    for (const a of opened.values()) await a.close().catch(() => undefined);
  }
}

/** The human rendering of a check. */
export function renderCheck(r: CheckResult): string {
  const lines = [`Configuration ${r.config}: valid.`];
  if (r.mappings.length === 0) lines.push('  no mapping files yet');
  for (const m of r.mappings)
    lines.push(
      `  mapping ${m.name} (${path.basename(m.file)}, ${m.kind === 'events' ? 'events' : (m.domain ?? 'custom')}): valid`,
    );
  for (const c of r.connections) {
    if (c.error) lines.push(`  connection ${c.name} ${c.url}: FAILED: ${c.error}`);
    else if (c.serverVersion)
      lines.push(
        `  connection ${c.name} ${c.url}: ${c.serverVersion}, ${(c.latencyMs ?? 0).toFixed(1)} ms, ${c.readOnly ? 'read-only' : 'read-write'}`,
      );
    else lines.push(`  connection ${c.name} ${c.url}`);
  }
  for (const t of r.tables)
    lines.push(
      `  ${t.mapping} ${t.side} ${t.connection}:${t.source} (${t.columns.length} columns): ${t.ok ? 'ok' : `FAILED: ${t.error}`}`,
    );
  if (!r.ok) lines.push('Some checks failed: fix them before running reconcile or replay.');
  return lines.join('\n');
}

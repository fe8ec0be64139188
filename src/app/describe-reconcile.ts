/**
 * `reconcile --dry-run`: what a reconcile would send, connecting to nothing. Each side is planned
 * exactly as a run plans it (the same mapping checks, columns and window pushdown) and its adapter,
 * created but never opened, renders the statement it would run (`Adapter.describeRead`).
 */
import type { Adapter } from '../adapters/types.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { Mapping } from '../config/mapping-schema.js';
import { planSide, withKeySet } from '../reconcilers/read-side.js';
import type { CanonicalValue, Side } from '../reconcilers/types.js';
import type { TimeWindow } from '../reconcilers/window.js';

/** One side's read as it would be sent: the SQL and its bound parameters (none for a CSV or HTTP source). */
export interface SideReadDescription {
  connection: string;
  dialect: Adapter['dialect'];
  url: string;
  source: string;
  /** The exact statement; absent when the source is not SQL (a CSV folder, an HTTP API). */
  sql?: string;
  /** Values bound to the statement's placeholders, in order (window bounds). */
  params?: unknown[];
  /** The source columns read, in order. */
  columns: string[];
  /**
   * A recheck's key-set read: the statements it takes (`sql`/`params` show the first), the source
   * columns the keys are pushed down on (none: the side is read whole and filtered), and why not.
   */
  keySet?: { items: number; statements: number; pushedDown: string[]; notPushed?: string[] };
}

export interface ReconcileDryRun {
  name: string;
  status: 'dry-run';
  window?: { field: string; since?: string; until?: string };
  legacy: SideReadDescription;
  cloud: SideReadDescription;
}

/**
 * Describes the reads of each mapping. `createAdapter` creates the named connection's adapter
 * WITHOUT connecting (the command injects it); nothing here opens a connection.
 */
export async function describeReconcile(
  mappings: Mapping[],
  opts: {
    config: LoadedConfig;
    window?: TimeWindow;
    createAdapter: (connection: string) => Promise<Adapter>;
    /** --recheck: the canonical keys of the mapping's open items (read from the control store). */
    recheckKeys?: (mapping: Mapping) => Promise<Record<string, CanonicalValue>[]>;
  },
): Promise<ReconcileDryRun[]> {
  const out: ReconcileDryRun[] = [];
  for (const mapping of mappings) {
    const keys = await opts.recheckKeys?.(mapping);
    const describe = async (side: Side): Promise<SideReadDescription> => {
      let plan = planSide(mapping, side, opts.config, opts.window);
      if (keys) plan = withKeySet(plan, mapping, keys);
      const adapter = await opts.createAdapter(plan.connection);
      const first = plan.keySet ? plan.keySet.requests[0] : plan.request;
      const read = first && adapter.describeRead(first);
      return {
        ...plan.description,
        dialect: adapter.dialect,
        ...(read ? { sql: read.sql, params: read.params } : {}),
        columns: plan.request.columns,
        ...(plan.keySet && keys
          ? {
              keySet: {
                items: keys.length,
                statements: plan.keySet.requests.length,
                pushedDown: plan.keySet.pushedColumns,
                ...(plan.keySet.notPushed.length ? { notPushed: plan.keySet.notPushed } : {}),
              },
            }
          : {}),
      };
    };
    const legacy = await describe('legacy');
    const cloud = await describe('cloud');
    out.push({
      name: mapping.name,
      status: 'dry-run',
      ...(opts.window && mapping.window
        ? {
            window: {
              field: mapping.window.field,
              ...(opts.window.since ? { since: opts.window.since.toISOString() } : {}),
              ...(opts.window.until ? { until: opts.window.until.toISOString() } : {}),
            },
          }
        : {}),
      legacy,
      cloud,
    });
  }
  return out;
}

/** The dry run as a person reads it: per mapping and side, the connection and the statement. */
export function renderReconcileDryRun(runs: ReconcileDryRun[]): string {
  const out: string[] = [];
  for (const r of runs) {
    out.push(`${r.name}: dry run, nothing was connected to or read`);
    if (r.window)
      out.push(`  window on ${r.window.field}: ${r.window.since ?? '…'} to ${r.window.until ?? '…'}`);
    for (const side of ['legacy', 'cloud'] as const) {
      const d = r[side];
      out.push(`  ${side} (${d.connection}, ${d.dialect}, ${d.url}):`);
      const k = d.keySet;
      if (k)
        out.push(
          `    recheck of ${k.items} open item(s): ${k.statements} statement(s)` +
            (k.pushedDown.length
              ? `, keys pushed down on ${k.pushedDown.join(', ')}${k.statements > 1 ? ' (the first shown)' : ''}`
              : k.items
                ? `, the whole source read and filtered here (${(k.notPushed ?? []).join('; ')})`
                : ''),
        );
      if (k && k.statements === 0) continue;
      if (d.sql === undefined) out.push(`    no SQL: reads ${d.source} (columns ${d.columns.join(', ')})`);
      else {
        out.push(`    ${d.sql}`);
        if (d.params?.length) out.push(`    params: ${d.params.map((p) => JSON.stringify(p)).join(', ')}`);
      }
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}

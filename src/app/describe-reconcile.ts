/**
 * `reconcile --dry-run`: what a reconcile would send, connecting to nothing. Each side is planned
 * exactly as a run plans it (the same mapping checks, columns and window pushdown) and its adapter,
 * created but never opened, renders the statement it would run (`Adapter.describeRead`).
 */
import type { Adapter } from '../adapters/types.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { Mapping } from '../config/mapping-schema.js';
import { planSide } from '../reconcilers/read-side.js';
import type { Side } from '../reconcilers/types.js';
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
  },
): Promise<ReconcileDryRun[]> {
  const out: ReconcileDryRun[] = [];
  for (const mapping of mappings) {
    const describe = async (side: Side): Promise<SideReadDescription> => {
      const plan = planSide(mapping, side, opts.config, opts.window);
      const adapter = await opts.createAdapter(plan.connection);
      const read = adapter.describeRead(plan.request);
      return {
        ...plan.description,
        dialect: adapter.dialect,
        ...(read ? { sql: read.sql, params: read.params } : {}),
        columns: plan.request.columns,
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

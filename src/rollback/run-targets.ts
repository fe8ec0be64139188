import type { LoadedConfig } from '../config/load-config.js';
import type { Adapter } from '../adapters/types.js';
import type { RunRecord } from '../store/runs.js';
import { loadEventsMapping } from '../config/events-schema.js';
import { targetNameOf } from '../replay/targets.js';
import { dialectOf } from '../adapters/registry.js';
import { redactUrl } from '../util/redact.js';
import { UsageError } from '../errors.js';
import type { PlanTarget } from './plan-types.js';
import type { TargetDb } from './target-rows.js';

/** What a replay run stored in its summary that rollback needs. */
export interface ReplaySummary {
  targets?: string[];
  target?: string | null;
  mappingFile?: string;
  source?: { kind: 'file'; path: string } | { kind: 'table'; connection: string; table: string };
}

/**
 * The connections a replay run wrote to: from its final summary, or (for a run that crashed before
 * finishing) from the events mapping it used. Each must still exist and be writable: rollback never
 * writes to a connection marked readOnly.
 */
export async function runTargets(config: LoadedConfig, run: RunRecord): Promise<PlanTarget[]> {
  const summary = (run.summary ?? {}) as ReplaySummary;
  let names = summary.targets;
  if (!names?.length && summary.mappingFile) {
    const mapping = await loadEventsMapping(summary.mappingFile).catch(() => undefined);
    if (mapping)
      names = [
        ...new Set(
          Object.values(mapping.events).map((r) => targetNameOf(r, mapping, summary.target ?? undefined)),
        ),
      ].filter((n): n is string => Boolean(n));
  }
  if (!names?.length)
    throw new UsageError(
      `The replay run ${run.id} does not record which connection it wrote to.`,
      'It may have stopped before it started; there is nothing to roll back.',
    );
  return names.map((name) => describeTarget(config, name, run.id));
}

/** A connection as a plan records it; unknown and read-only connections are refused (exit 2). */
export function describeTarget(config: LoadedConfig, name: string, runId: string): PlanTarget {
  const conn = config.connections[name];
  if (!conn)
    throw new UsageError(
      `The replay run ${runId} wrote to the connection "${name}", which is not in ${config.file}.`,
      `Add it back to ${config.file} (the same database), or check --config points at the right cutover.yaml.`,
    );
  if (conn.readOnly)
    throw new UsageError(
      `The connection "${name}" (the target of run ${runId}) is marked readOnly in ${config.file}, so rollback will not write to it.`,
      'Remove `readOnly: true` from that connection if this is really the database to undo the replay in.',
    );
  return { name, url: redactUrl(conn.url), dialect: dialectOf(conn.url) };
}

/** Opens a database target (HTTP targets have no database: their effects are manual items). */
export async function openTargetDb(
  target: PlanTarget,
  open: (name: string) => Promise<Adapter>,
): Promise<TargetDb | undefined> {
  if (/^https?$/.test(target.dialect)) return undefined;
  const adapter = await open(target.name);
  if (!adapter.writer)
    throw new UsageError(
      `The connection "${target.name}" (${adapter.dialect}) cannot be written to.`,
      'Rollback targets are PostgreSQL, SQL Server, SQLite or MySQL/MariaDB connections.',
    );
  const db = await adapter.writer();
  return { name: target.name, db, knex: db.knex };
}

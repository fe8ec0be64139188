import path from 'node:path';
import type { LoadedConfig } from './load-config.js';
import { listMappingFiles, loadMapping } from './load-mappings.js';
import { createAdapter } from '../adapters/registry.js';
import { redactUrl } from '../util/redact.js';
import type { Logger } from '../util/logger.js';
import type { ConnectionInfo } from '../adapters/types.js';

export interface CheckResult {
  ok: boolean;
  config: string;
  mappings: { file: string; name?: string; kind: 'reconcile' | 'events' }[];
  connections: ({ name: string; url: string; readOnlyDeclared: boolean } & Partial<ConnectionInfo> & {
      error?: string;
    })[];
}

/** Validates every mapping and, with `connect`, opens each connection. Mapping errors throw (exit 2). */
export async function checkConfig(
  config: LoadedConfig,
  opts: { connect?: boolean; logger: Logger },
): Promise<CheckResult> {
  const files = await listMappingFiles(config);
  const mappings: CheckResult['mappings'] = [];
  for (const f of files) {
    if (f.events) mappings.push({ file: f.file, kind: 'events' });
    else mappings.push({ file: f.file, name: (await loadMapping(f.file, config)).name, kind: 'reconcile' });
  }
  const connections: CheckResult['connections'] = [];
  let ok = true;
  for (const conn of Object.values(config.connections)) {
    const entry: CheckResult['connections'][number] = {
      name: conn.name,
      url: redactUrl(conn.url),
      readOnlyDeclared: conn.readOnly ?? false,
    };
    const adapter = createAdapter(conn, { logger: opts.logger });
    if (opts.connect) {
      try {
        await adapter.connect();
        Object.assign(entry, await adapter.info());
      } catch (err) {
        ok = false;
        entry.error = (err as Error).message;
      } finally {
        await adapter.close().catch(() => undefined);
      }
    }
    connections.push(entry);
  }
  return { ok, config: config.file, mappings, connections };
}

/** The human rendering of a check. */
export function renderCheck(r: CheckResult): string {
  const lines = [`Configuration ${r.config}: valid.`];
  for (const m of r.mappings) lines.push(`  mapping ${m.name ?? '(events)'} ${path.basename(m.file)}: valid`);
  for (const c of r.connections) {
    if (c.error) lines.push(`  connection ${c.name} ${c.url}: FAILED: ${c.error}`);
    else if (c.serverVersion)
      lines.push(
        `  connection ${c.name} ${c.url}: ${c.serverVersion}, ${c.latencyMs!.toFixed(1)} ms, ${c.readOnly ? 'read-only' : 'read-write'}`,
      );
    else lines.push(`  connection ${c.name} ${c.url}`);
  }
  if (!r.ok) lines.push('Some connections failed: fix them before running reconcile or replay.');
  return lines.join('\n');
}

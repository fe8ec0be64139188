import fs from 'node:fs';
import { readJsonLines } from '../replay/sources.js';
import type { ReplaySummary } from './run-targets.js';

/**
 * The payloads of some events, read again from the run's events file (manual items need the amounts
 * a person acts on, and neither ledger stores the payload). Empty when the source was a table or the
 * file is gone: the report then says where to look.
 */
export async function loadPayloads(
  source: ReplaySummary['source'],
  ids: Set<string>,
): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  if (!ids.size || source?.kind !== 'file' || !fs.existsSync(source.path)) return out;
  try {
    for await (const rec of readJsonLines(source.path)) {
      try {
        const e = JSON.parse(rec.text) as { id?: unknown; payload?: unknown };
        if (typeof e.id === 'string' && ids.has(e.id) && !out.has(e.id)) out.set(e.id, e.payload ?? null);
      } catch {
        // A malformed line was never applied, so it is not one of ours.
      }
      if (out.size === ids.size) break;
    }
  } catch {
    // An unreadable file: the items stay without payload.
  }
  return out;
}

/**
 * The in-flight differences of a confirmed run (`reconcile --confirm-after`): what the first pass
 * saw and the confirm pass no longer did, kept apart in reports/<run>/in-flight.jsonl and listed
 * apart in every report (never counted as the run's differences).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ReconcileSummary, RecordDifference } from '../reconcilers/types.js';

/** Up to `limit` in-flight differences of a run and how many there are; undefined when it had none or the file is gone. */
export function readInFlight(
  summary: ReconcileSummary,
  runDir: string | undefined,
  limit: number,
): { total: number; rows: RecordDifference[]; file: string } | undefined {
  const named = summary.reports?.['in-flight'];
  if (!named || !summary.confirm?.inFlight) return undefined;
  const candidates = [runDir && path.join(runDir, path.basename(named)), path.resolve(named)].filter(
    (f): f is string => Boolean(f),
  );
  for (const file of candidates) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const lines = text.split('\n').filter(Boolean);
    return {
      total: lines.length,
      rows: lines.slice(0, limit).map((l) => JSON.parse(l) as RecordDifference),
      file,
    };
  }
  return undefined;
}

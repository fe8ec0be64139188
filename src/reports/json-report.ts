import fs from 'node:fs/promises';
import type { ReconcileSummary } from '../reconcilers/types.js';
import { writeAtomically } from './atomic-file.js';
import { redactDeep } from '../util/redact.js';

/**
 * Writes reconciliation.json: the run's summary, the same object `cutover reconcile --json` prints.
 * The differences themselves are not repeated here: differences.jsonl (and differences.csv) beside
 * it hold every one, and a million of them do not belong in one JSON document.
 */
export async function writeJsonReport(opts: { summary: ReconcileSummary; file: string }): Promise<void> {
  await writeAtomically(opts.file, (tmp) => fs.writeFile(tmp, JSON.stringify(redactDeep(opts.summary), null, 2) + '\n', 'utf8'));
}

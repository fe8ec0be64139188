import fs from 'node:fs';
import { once } from 'node:events';
import type { ControlStore } from '../store/control-store.js';
import type { ReconcileSummary } from '../reconcilers/types.js';
import { streamDifferences } from './difference-source.js';
import { writeAtomically } from './atomic-file.js';

/**
 * Writes reconciliation.json: the run's summary (the `--json` shape) with a `differences` array
 * holding every difference, streamed so a million of them never sit in memory at once.
 */
export async function writeJsonReport(opts: {
  store: ControlStore;
  summary: ReconcileSummary;
  runId: string;
  file: string;
}): Promise<void> {
  await writeAtomically(opts.file, async (tmp) => {
    const out = fs.createWriteStream(tmp);
    const done = once(out, 'finish');
    const head = JSON.stringify({ ...opts.summary, differences: [] }, null, 2);
    // The summary pretty-printed, then the array opened where `[]` stood: one difference a line.
    const at = head.lastIndexOf('"differences": []');
    out.write(head.slice(0, at) + '"differences": [');
    let first = true;
    for await (const { diff } of streamDifferences(opts.store, opts.runId)) {
      const chunk = `${first ? '' : ','}\n    ${JSON.stringify(diff)}`;
      first = false;
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end(`${first ? '' : '\n  '}]${head.slice(at + '"differences": []'.length)}`);
    await done;
  });
}

/** The worker thread of `diagnoseOnThread`: diagnoses the differences of the file it is sent and posts the result. */
import { parentPort } from 'node:worker_threads';
import { postedError } from '../util/worker-files.js';
import { differencesFromFile, differencesStreamedFromFile } from '../store/differences.js';
import type { DiagnoseJob, DiagnoseMessage } from './diagnose-thread.js';
import { diagnose } from './diagnose.js';

const port = parentPort!;
port.once('message', (job: DiagnoseJob) => {
  void (async () => {
    let out: DiagnoseMessage;
    try {
      const result = await diagnose({
        runId: job.runId,
        source: job.whole ? differencesFromFile(job.file) : differencesStreamedFromFile(job.file),
        moneyFields: job.moneyFields,
        measureFields: job.measureFields,
      });
      out = { type: 'diagnosed', ...result };
    } catch (e) {
      out = postedError(e);
    }
    port.postMessage(out);
    port.close();
  })();
});

/** The worker thread of `diagnoseOnThread`: diagnoses the differences it is given and posts the result. */
import { parentPort, workerData } from 'node:worker_threads';
import { postedError } from '../reconcilers/worker-files.js';
import { differencesFromJson } from '../store/differences.js';
import type { DiagnoseJob, DiagnoseMessage } from './diagnose-thread.js';
import { diagnose } from './diagnose.js';

const job = workerData as DiagnoseJob;
let out: DiagnoseMessage;
try {
  const result = await diagnose({
    runId: job.runId,
    source: differencesFromJson([...job.bodies]),
    moneyFields: job.moneyFields,
    measureFields: job.measureFields,
  });
  out = { type: 'diagnosed', ...result };
} catch (e) {
  out = postedError(e);
}
parentPort!.postMessage(out);

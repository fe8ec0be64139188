import { Args } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { loadMappings } from '../config/load-mappings.js';
import { diagnoseStoredRun } from '../diagnosis/run-diagnosis.js';
import { renderDiagnosis } from '../diagnosis/render.js';
import { getRun } from '../store/runs.js';

export default class Diagnose extends BaseCommand<typeof Diagnose> {
  static override summary = "Explain a reconcile run's differences as a few causes.";
  static override description = `Runs the detectors (unit_factor, time_shift, code_substitution, batch_lag, duplicate_posting, sign_flip, rounding, padding_or_case, null_vs_zero) over the run's stored differences and stores the causes with the run. Each cause is a suggestion for a person to accept or reject; nothing is changed. reconcile runs this at its end. A run that did not finish (running, interrupted, error) is refused with exit 2, as by \`cutover report\`; a run stopped at --max-differences is diagnosed on the differences it recorded.
With --json prints { "runId", "differences", "explained", "unexplained", "causes": [ { "kind", "field", "count", "share", "where", "evidence", "impact", "confidence", "sampleKeys", "suggestion" } ] }.`;
  static override examples = ['<%= config.bin %> diagnose r_20261126_0200_inventory --json'];
  static override args = {
    run: Args.string({ description: 'the reconcile run id (see `cutover runs list`)', required: true }),
  };

  async run() {
    const store = await this.controlStore();
    const run = await getRun(store, this.args.run, 'reconcile');
    const config = await this.cutoverConfig();
    const mapping = run.name
      ? (await loadMappings(config).catch(() => [])).find((m) => m.name === run.name)
      : undefined;
    const diagnosis = await diagnoseStoredRun(store, run.id, mapping);
    const out = this.emit(diagnosis, () => renderDiagnosis(diagnosis));
    return out;
  }
}

import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { renderSignoffResult } from '../../cli/render-signoffs.js';
import { reviewSignoff } from '../../signoff/workflow.js';

export default class SignoffApprove extends BaseCommand<typeof SignoffApprove> {
  static override summary = 'Approve a prepared run (a second person).';
  static override description =
    'Records you (CUTOVER_USER, else the OS user) as the reviewer who approved a prepared run, with the time and your note. Segregation of duties: the preparer cannot approve (exit 2). A run not prepared, already reviewed or superseded is refused (exit 2). With --json prints { "action": "approve", "signoff": { … } }.';
  static override examples = [
    '<%= config.bin %> signoff approve r_20261126_0200_inventory --note "checked the control totals"',
  ];
  static override args = {
    run: Args.string({
      description: 'the prepared reconcile run id (see `cutover signoff list`)',
      required: true,
    }),
  };
  static override flags = {
    note: Flags.string({ description: 'what you checked', required: true }),
  };

  async run() {
    const result = await reviewSignoff(await this.controlStore(), 'approve', {
      runId: this.args.run,
      note: this.flags.note,
    });
    const out = this.emit(result, () => renderSignoffResult(result));
    return out;
  }
}

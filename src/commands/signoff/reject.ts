import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { renderSignoffResult } from '../../cli/render-signoffs.js';
import { REJECT_REASON_CODES } from '../../signoff/reasons.js';
import { reviewSignoff } from '../../signoff/workflow.js';

export default class SignoffReject extends BaseCommand<typeof SignoffReject> {
  static override summary = 'Reject a prepared run (a second person), with a reason code.';
  static override description =
    'Records you (CUTOVER_USER, else the OS user) as the reviewer who rejected a prepared run, with the reason code, the time and your note. The preparer cannot reject (exit 2). A rejected run can be prepared again (a new certification; the rejected one stays in the history). Reasons: data-not-fixed, figures-wrong, incomplete, notes-insufficient, other. With --json prints { "action": "reject", "signoff": { … } }.';
  static override examples = [
    '<%= config.bin %> signoff reject r_20261126_0200_inventory --reason data-not-fixed --note "X-000012 must be posted first"',
  ];
  static override args = {
    run: Args.string({
      description: 'the prepared reconcile run id (see `cutover signoff list`)',
      required: true,
    }),
  };
  static override flags = {
    reason: Flags.string({ description: 'why, as a code', options: REJECT_REASON_CODES, required: true }),
    note: Flags.string({ description: 'what must change', required: true }),
  };

  async run() {
    const result = await reviewSignoff(await this.controlStore(), 'reject', {
      runId: this.args.run,
      note: this.flags.note,
      reason: this.flags.reason,
    });
    const out = this.emit(result, () => renderSignoffResult(result));
    return out;
  }
}

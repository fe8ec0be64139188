import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { renderSignoffResult } from '../../cli/render-signoffs.js';
import { prepareSignoff } from '../../signoff/workflow.js';

export default class SignoffPrepare extends BaseCommand<typeof SignoffPrepare> {
  static override summary = 'Prepare a reconcile run for sign-off (the first of two people).';
  static override description =
    'Records you (CUTOVER_USER, else the OS user) as the preparer of a completed reconcile run (clean or differences), with the time and your note, in the append-only sign-off history. A material run needs --item-note ID=TEXT for each open material item, or --accept-open. Another person then approves or rejects it. Refused with exit 2: a run stopped, running or failed, already prepared or approved, superseded, or out of date. With --json prints { "action": "prepare", "signoff": { "id", "runId", "mapping", "status", "preparer", "preparedAt", … }, "openItems": [ids] }.';
  static override examples = [
    '<%= config.bin %> signoff prepare r_20261126_0200_inventory --note "within materiality; counts agree"',
    '<%= config.bin %> signoff prepare r_20261126_0200_inventory --note "two receipts in transit" --item-note X-000012="receipt posted 27 Nov" --item-note X-000013="same receipt"',
  ];
  static override args = {
    run: Args.string({ description: 'the reconcile run id (see `cutover runs list`)', required: true }),
  };
  static override flags = {
    note: Flags.string({ description: 'why the run can be signed off', required: true }),
    'item-note': Flags.string({
      description: 'a note on one open material item: ID=TEXT (repeatable)',
      multiple: true,
    }),
    'accept-open': Flags.boolean({
      description: 'accept the open material items without a note each (recorded in the history)',
    }),
  };

  async run() {
    const result = await prepareSignoff(await this.controlStore(), {
      runId: this.args.run,
      note: this.flags.note,
      itemNotes: this.flags['item-note'] ?? [],
      acceptOpen: this.flags['accept-open'],
    });
    const out = this.emit(result, () => renderSignoffResult(result));
    return out;
  }
}

import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { UsageError } from '../../errors.js';
import { confirm, interactive } from '../../cli/prompt.js';
import { applyRollbackPlan, type ApplyPreview } from '../../app/rollback-apply.js';
import { writeApplyReport } from '../../rollback/rollback-report.js';
import { applyJson, renderApply } from '../../rollback/render.js';

export default class RollbackApply extends BaseCommand<typeof RollbackApply> {
  static override summary = 'Apply a saved rollback plan, exactly; resumable.';
  static override description =
    'Checks the plan hash and that every row the plan touches is still what the plan expects; a stale plan is refused (exit 2, nothing written) unless --skip-conflicts, which undoes the rest and reports the changed ones as skipped. Each compensation commits with its mark (cutover_rollback_ledger in the target) and takes the event out of the replay ledger, so after a crash the same command carries on and never undoes anything twice, and replaying the same events later applies them again. Asks for confirmation on a terminal; needs --yes otherwise. Writes reports/<plan>/rollback.{json,md,xlsx}. Exit 0 everything undone, 1 anything skipped or left for a person, 2 bad input.';
  static override examples = [
    '<%= config.bin %> rollback apply b_20261126_0300',
    '<%= config.bin %> rollback apply b_20261126_0300 --yes --json',
    '<%= config.bin %> rollback apply b_20261126_0300 --yes --skip-conflicts',
  ];
  static override args = {
    plan: Args.string({ required: true, description: 'the plan id printed by `rollback plan`' }),
  };
  static override flags = {
    yes: Flags.boolean({
      char: 'y',
      description: 'do not ask for confirmation (required when not on a terminal)',
    }),
    'skip-conflicts': Flags.boolean({
      description: 'undo what still matches; report conflicts and changed rows as skipped',
    }),
  };

  async run() {
    const config = await this.cutoverConfig();
    const result = await applyRollbackPlan({
      config,
      store: await this.controlStore(),
      planId: this.args.plan,
      skipConflicts: this.flags['skip-conflicts'],
      openAdapter: (name) => this.connection(name),
      logger: this.logger,
      confirm: (p) => this.confirmApply(p),
    });
    const reports = await this.reportAfterWork(`Rollback ${result.planId}`, () =>
      writeApplyReport(config.reportsDir, result),
    );
    const out = this.emit(applyJson(result, reports), () => renderApply(result, reports));
    if (result.status !== 'complete' || !reports) this.exitStatus = 1;
    return out;
  }

  private async confirmApply(p: ApplyPreview): Promise<boolean> {
    if (this.flags.yes) return true;
    if (!interactive())
      throw new UsageError(
        `Rollback plan ${p.planId} would undo ${p.toUndo} events on ${p.targets.join(', ')}, and this is not a terminal to confirm it on.`,
        'Nothing was written. Pass --yes to apply it without asking.',
      );
    return confirm(
      `Undo ${p.toUndo} events of run ${p.runId} on ${p.targets.join(', ')}${p.toSkip ? `, skipping ${p.toSkip}` : ''}${p.manual ? ` (${p.manual} left for a person)` : ''}?`,
    );
  }
}

import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { createRollbackPlan } from '../../app/rollback-plan.js';
import { writePlanReport } from '../../rollback/rollback-report.js';
import { planJson, renderPlan } from '../../rollback/render.js';

export default class RollbackPlan extends BaseCommand<typeof RollbackPlan> {
  static override summary = 'Plan the undo of a replay run, for review before anything is touched.';
  static override description =
    'Reads the replay ledger of the run in its target(s) and lists, in reverse order, the compensation of every applied event: restore the before-image, delete what was inserted, re-insert what was deleted. Each is ok, a conflict (the row changed after the replay; recorded in the exception queue as rollback_conflict) or manual (declared irreversible, or an HTTP effect: a person must act). The plan is saved with an id and a content hash and written to reports/<plan>/rollback-plan.{json,md,xlsx}. Reads the target, writes nothing to it. Exit 0 when a plan was made, 2 for an unknown run or a read-only or missing target.';
  static override examples = [
    '<%= config.bin %> rollback plan --run p_20261126_0210',
    '<%= config.bin %> rollback plan --run p_20261126_0210 --json',
  ];
  static override flags = {
    run: Flags.string({ required: true, description: 'the replay run to undo (see `cutover runs list`)' }),
  };

  async run() {
    const config = await this.cutoverConfig();
    const { plan, hash } = await createRollbackPlan({
      config,
      store: await this.controlStore(),
      runId: this.flags.run,
      openAdapter: (name) => this.connection(name),
      logger: this.logger,
    });
    const reports = await this.reportAfterWork(`Rollback plan ${plan.planId}`, () =>
      writePlanReport(config.reportsDir, plan, hash),
    );
    const out = this.emit(planJson(plan, hash, reports), () => renderPlan(plan, hash, reports));
    return out;
  }
}

import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { getRun } from '../../store/runs.js';
import { renderRun } from '../../cli/render-runs.js';

export default class RunsShow extends BaseCommand<typeof RunsShow> {
  static override summary = 'Show one run and its figures.';
  static override description =
    'Prints a run recorded in the control store with its summary (the same object its command printed with --json). With --json prints { "id", "command", "name", "status", "startedAt", "finishedAt", "summary", "user", "host" }. An unknown run id exits 2 and lists the most recent ones.';
  static override examples = ['<%= config.bin %> runs show r_20261126_0200_inventory --json'];
  static override args = {
    run: Args.string({ description: 'the run id (see `cutover runs list`)', required: true }),
  };

  async run() {
    const store = await this.controlStore();
    const run = await getRun(store, this.args.run);
    const out = this.emit(run, () => renderRun(run));
    return out;
  }
}

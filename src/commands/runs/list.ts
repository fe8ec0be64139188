import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { COUNT_MAX, integerFlag } from '../../cli/integer-flag.js';
import { countRuns, listRuns } from '../../store/runs.js';
import { renderRunList } from '../../cli/render-runs.js';

export default class RunsList extends BaseCommand<typeof RunsList> {
  static override summary = 'List past runs, newest first.';
  static override description =
    'Reads the runs recorded in the control store (reconcile, replay, rollback). With --json prints { "total": N, "items": [ { "id", "command", "name", "status", "startedAt", "finishedAt", "summary", "user", "host", "signoff" } ] } (signoff: the status of a reconcile run’s latest certification — prepared, approved, rejected, superseded — or null), where total counts every matching run and items holds at most --limit of them.';
  static override examples = [
    '<%= config.bin %> runs list',
    '<%= config.bin %> runs list --command reconcile --name inventory --limit 5 --json',
  ];
  static override flags = {
    command: Flags.string({
      description: 'only runs of this command',
      options: ['reconcile', 'recheck', 'replay', 'rollback'],
    }),
    name: Flags.string({ description: 'only runs of this mapping or plan name' }),
    limit: integerFlag({ description: 'at most this many runs', default: 20, min: 1, max: COUNT_MAX }),
  };

  async run() {
    const store = await this.controlStore();
    const filter = { command: this.flags.command, name: this.flags.name, limit: this.flags.limit };
    const [items, total] = await Promise.all([listRuns(store, filter), countRuns(store, filter)]);
    const filtered = Boolean(this.flags.command || this.flags.name);
    const out = this.emit({ total, items }, () => renderRunList(items, total, filtered));
    return out;
  }
}

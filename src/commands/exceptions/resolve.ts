import { BaseCommand } from '../../cli/base-command.js';
import { actionFlags, actionRequest, idArgs, renderAction } from '../../cli/exception-actions.js';
import { performAction } from '../../exceptions/bulk.js';

export default class ExceptionsResolve extends BaseCommand<typeof ExceptionsResolve> {
  static override summary = 'Resolve open or assigned items, by id or in bulk by filter.';
  static override examples = [
    '<%= config.bin %> exceptions resolve X-000123 --note "posted the missing receipt"',
    '<%= config.bin %> exceptions resolve --mapping refunds --kind missing_in_cloud --note "batch 42 replayed" --yes',
  ];
  static override args = idArgs;
  static override flags = actionFlags;

  async run() {
    const ids = this.args.id ?? [];
    const result = await performAction(
      await this.controlStore(),
      actionRequest('resolve', ids, this.flags, await this.cutoverConfig()),
    );
    const out = this.emit({ action: 'resolve', ...result }, () => renderAction('resolve', result));
    return out;
  }
}

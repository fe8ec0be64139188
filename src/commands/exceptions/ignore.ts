import { BaseCommand } from '../../cli/base-command.js';
import { actionFlags, actionRequest, idArgs, renderAction } from '../../cli/exception-actions.js';
import { performAction } from '../../exceptions/bulk.js';

export default class ExceptionsIgnore extends BaseCommand<typeof ExceptionsIgnore> {
  static override summary =
    'Ignore open or assigned items (a known, accepted difference), by id or in bulk by filter.';
  static override examples = [
    '<%= config.bin %> exceptions ignore X-000123 --note "accepted variance, signed off by finance"',
    '<%= config.bin %> exceptions ignore --mapping inventory --kind missing_in_legacy --key ZZ- --yes',
  ];
  static override args = idArgs;
  static override flags = actionFlags;

  async run() {
    const ids = this.args.id ?? [];
    const result = await performAction(
      await this.controlStore(),
      actionRequest('ignore', ids, this.flags, await this.cutoverConfig()),
    );
    const out = this.emit({ action: 'ignore', ...result }, () => renderAction('ignore', result));
    return out;
  }
}

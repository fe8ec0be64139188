import { BaseCommand } from '../../base-command.js';
import { actionFlags, actionRequest, renderAction } from '../../exceptions/action-flags.js';
import { performAction } from '../../exceptions/bulk.js';

export default class ExceptionsIgnore extends BaseCommand<typeof ExceptionsIgnore> {
  static override summary =
    'Ignore open or assigned items (a known, accepted difference), by id or in bulk by filter.';
  static override examples = [
    '<%= config.bin %> exceptions ignore X-000123 --note "accepted variance, signed off by finance"',
    '<%= config.bin %> exceptions ignore --mapping inventory --kind missing_in_legacy --key ZZ- --yes',
  ];
  static override strict = false;
  static override flags = actionFlags;

  async run(): Promise<void> {
    const { argv } = await this.parse(ExceptionsIgnore);
    const result = await performAction(
      await this.store_(),
      actionRequest('ignore', argv as string[], this.flags),
    );
    this.emit({ action: 'ignore', ...result }, () => renderAction('ignore', result));
  }
}

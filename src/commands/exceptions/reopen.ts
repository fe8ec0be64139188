import { BaseCommand } from '../../cli/base-command.js';
import { actionFlags, actionRequest, idArgs, renderAction } from '../../cli/exception-actions.js';
import { performAction } from '../../exceptions/bulk.js';

export default class ExceptionsReopen extends BaseCommand<typeof ExceptionsReopen> {
  static override summary = 'Reopen resolved or ignored items, by id or in bulk by filter.';
  static override examples = [
    '<%= config.bin %> exceptions reopen X-000123 --note "still wrong in the cloud"',
    '<%= config.bin %> exceptions reopen --status ignored --mapping refunds --yes',
  ];
  static override args = idArgs;
  static override flags = actionFlags;

  async run() {
    const ids = this.args.id ?? [];
    const result = await performAction(
      await this.controlStore(),
      actionRequest('reopen', ids, this.flags, await this.cutoverConfig()),
    );
    const out = this.emit({ action: 'reopen', ...result }, () => renderAction('reopen', result));
    return out;
  }
}

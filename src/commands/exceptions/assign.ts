import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { COUNT_MAX, integerFlag } from '../../cli/integer-flag.js';
import { UsageError } from '../../errors.js';
import { actionFlags, actionRequest, idArgs, renderAction } from '../../cli/exception-actions.js';
import { performAction } from '../../exceptions/bulk.js';
import { claim } from '../../exceptions/queue.js';

export default class ExceptionsAssign extends BaseCommand<typeof ExceptionsAssign> {
  static override summary =
    'Assign items to a person: by id, in bulk by filter, or claim the next N open ones.';
  static override description =
    'Assigning an assigned item reassigns it. `--next N` claims the next N open items (highest severity, then oldest) for a worker: two workers claiming at once never get the same item. `--to me` means the acting user.';
  static override examples = [
    '<%= config.bin %> exceptions assign X-000123 --to alice',
    '<%= config.bin %> exceptions assign --mapping refunds --severity high --to bob --yes',
    '<%= config.bin %> exceptions assign --next 20 --to me',
  ];
  static override args = idArgs;
  static override flags = {
    ...actionFlags,
    to: Flags.string({ description: 'the person to assign to (`me` = the acting user)', required: true }),
    next: integerFlag({
      description: 'claim the next N open items (filters narrow which)',
      min: 1,
      max: COUNT_MAX,
    }),
  };

  async run() {
    const ids = this.args.id ?? [];
    if (this.flags.next !== undefined && ids.length)
      throw new UsageError(
        'Give ids or --next N, not both.',
        '--next claims the next open items; ids name them.',
      );
    const req = actionRequest('assign', ids, this.flags, await this.cutoverConfig());
    const store = await this.controlStore();
    const result =
      this.flags.next !== undefined
        ? await claim(store, {
            ...req.opts,
            assignee: req.opts.assignee!,
            limit: this.flags.next,
            filter: req.filter,
          })
        : await performAction(store, req);
    const out = this.emit({ action: 'assign', assignee: req.opts.assignee, ...result }, () =>
      renderAction('assign', result),
    );
    return out;
  }
}

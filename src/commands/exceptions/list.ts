import { BaseCommand } from '../../cli/base-command.js';
import { listExceptions } from '../../exceptions/queue.js';
import { LIST_TABLE_LIMIT, filterFlags, filterFromFlags, sortFlags } from '../../cli/exception-flags.js';
import { listItem, renderList } from '../../exceptions/render.js';

export default class ExceptionsList extends BaseCommand<typeof ExceptionsList> {
  static override summary = 'List exception queue items, filtered and sorted, with totals.';
  static override description =
    'Prints a table of matching items and their totals by status, or with --json `{ "total", "items": [...] }`. The severity combines the size of the variance (mapping `thresholds`) and the age of an unresolved item.';
  static override examples = [
    '<%= config.bin %> exceptions list --status open --mapping inventory --sort severity',
    '<%= config.bin %> exceptions list --older-than 3d --severity high --json',
    '<%= config.bin %> exceptions list --key A-100',
  ];
  static override flags = { ...filterFlags, ...sortFlags };

  async run() {
    const store = await this.controlStore();
    const filter = filterFromFlags(this.flags, await this.cutoverConfig());
    const result = await listExceptions(store, {
      ...filter,
      limit: filter.limit ?? (this.flags.json ? undefined : LIST_TABLE_LIMIT),
    });
    const out = this.emit({ total: result.total, items: result.items.map(listItem) }, () =>
      renderList(result),
    );
    return out;
  }
}

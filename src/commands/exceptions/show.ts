import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { getException, getHistory } from '../../exceptions/queue.js';
import { renderShow } from '../../exceptions/render.js';

export default class ExceptionsShow extends BaseCommand<typeof ExceptionsShow> {
  static override summary =
    'Show one exception: the record, both systems’ values, their diff and its history.';
  static override examples = [
    '<%= config.bin %> exceptions show X-000123',
    '<%= config.bin %> exceptions show 123 --json',
  ];
  static override args = {
    id: Args.string({ description: 'the exception id (X-000123 or 123)', required: true }),
  };

  async run() {
    const store = await this.controlStore();
    const record = await getException(store, this.args.id);
    const history = await getHistory(store, record.id);
    const out = this.emit({ ...record, history }, () => renderShow(record, history));
    return out;
  }
}

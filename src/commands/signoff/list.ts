import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { COUNT_MAX, integerFlag } from '../../cli/integer-flag.js';
import { renderSignoffList } from '../../cli/render-signoffs.js';
import { listCertifications } from '../../signoff/list.js';
import { SIGNOFF_STATUSES } from '../../store/signoffs.js';

export default class SignoffList extends BaseCommand<typeof SignoffList> {
  static override summary = 'List certifications, newest first.';
  static override description =
    'Each run prepared for sign-off: its mapping, status (prepared, approved, rejected, superseded), who prepared it and when, who reviewed it and when, a rejection reason, and the later run that superseded it. With --json prints { "items": [ { "id", "runId", "mapping", "status", "preparer", "preparedAt", "reviewer", "reviewedAt", "reason", "acceptedOpen", "supersededBy", "supersededAt", "version", "history": [ { "at", "who", "action", "note", "reason", "detail" } ] } ] }.';
  static override examples = [
    '<%= config.bin %> signoff list',
    '<%= config.bin %> signoff list --mapping inventory --status approved --json',
  ];
  static override flags = {
    mapping: Flags.string({ description: 'only certifications of this mapping' }),
    status: Flags.string({
      description: 'only certifications in this status',
      options: [...SIGNOFF_STATUSES],
    }),
    limit: integerFlag({ description: 'at most this many', default: 50, min: 1, max: COUNT_MAX }),
  };

  async run() {
    const { mapping, status, limit } = this.flags;
    const result = await listCertifications(await this.controlStore(), { mapping, status, limit });
    const out = this.emit(result, () => renderSignoffList(result.items, Boolean(mapping || status)));
    return out;
  }
}

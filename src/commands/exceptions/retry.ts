import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { integerFlag } from '../../cli/integer-flag.js';
import { currentUser } from '../../store/runs.js';
import { retryParkedChain, type RetryResult } from '../../replay/retry-parked.js';

export default class ExceptionsRetry extends BaseCommand<typeof ExceptionsRetry> {
  static override summary = 'Re-apply a failed replay event and the chain parked behind it, in order.';
  static override description =
    'For replay_failed and replay_parked items: once the cause is fixed, applies the failed event (unless it was ignored or resolved by hand) and then every event of that key parked behind it, in their original order, under the original run and ledger. All applied: both items are resolved (exit 0). A failure updates the items and exits 1.';
  static override examples = ['<%= config.bin %> exceptions retry X-000123'];
  static override args = { id: Args.string({ required: true, description: 'the exception id (X-000123)' }) };
  static override flags = {
    attempts: integerFlag({
      default: 5,
      min: 1,
      max: 50,
      description: 'tries per event for transient errors',
    }),
    as: Flags.string({ description: 'who is acting (default: $CUTOVER_USER or the OS user)' }),
    note: Flags.string({ description: 'a note for the item history' }),
  };

  async run() {
    const result = await retryParkedChain({
      config: await this.cutoverConfig(),
      store: await this.controlStore(),
      id: this.args.id,
      user: currentUser(this.flags.as),
      attempts: this.flags.attempts,
      openAdapter: (name) => this.connection(name),
      logger: this.logger,
      note: this.flags.note,
    });
    const out = this.emit(result, () => render(result));
    if (result.status !== 'resolved') this.exitStatus = 1;
    return out;
  }
}

function render(r: RetryResult): string {
  if (r.status === 'resolved')
    return `Key ${r.key}: ${r.applied} applied, ${r.alreadyApplied} already applied (run ${r.runId}); resolved ${r.resolved.join(', ') || 'nothing'}.`;
  const resolved = r.resolved.length ? ` Resolved: ${r.resolved.join(', ')}.` : '';
  return `Key ${r.key}: ${r.failedEvent ?? 'an event'} failed: ${r.error}. ${r.applied} applied before it, ${r.parked} parked behind it (run ${r.runId}).${resolved} Open: ${r.open.join(', ') || 'none'}.`;
}

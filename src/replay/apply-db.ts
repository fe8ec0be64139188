import type { GroupOutcome, WriteAction, WriteDriver } from '../adapters/types.js';
import type { DbPlan } from './event.js';
import { LEDGER_SPEC, type LedgerRow } from './ledger.js';
import { resolveColumns } from './resolve.js';
import { PermanentError } from './retry-policy.js';
import { isDecimal } from '../util/exact-decimal.js';

/** One event ready to apply to a database target. */
export type { DbPlan };

/**
 * Applies a group of events (each of a different key) in ONE transaction, each with its ledger
 * row: all commit or none do. An event already in the ledger is skipped ('alreadyApplied'), checked
 * inside the transaction so a crash or a concurrent process can never apply it twice; an update or
 * increment that found no row fails on its own, and an upsert that lost a race for its new row comes
 * back as 'retry' (see GroupOutcome). How is the target's business (WriteDriver.applyGroup).
 */
export async function applyDbGroup(db: WriteDriver, plans: DbPlan[]): Promise<Map<string, GroupOutcome>> {
  return db.applyGroup(LEDGER_SPEC, plans.map(writeAction));
}

/** An event as the write action its rule makes of it; a value the rule cannot use is a permanent failure. */
function writeAction(plan: DbPlan): WriteAction {
  const { event, rule } = plan;
  const action = rule.action!;
  const values = resolveColumns(event, rule.values);
  if (action === 'increment')
    for (const [col, v] of Object.entries(values))
      if (!isDecimal(v))
        throw new PermanentError(
          `the increment ${JSON.stringify(v)} for ${rule.table}.${col} is not a decimal number`,
        );
  const ledger: Omit<LedgerRow, 'match_json' | 'before_json' | 'after_json' | 'applied_at'> = {
    event_id: event.id,
    run_id: plan.runId,
    seq: plan.seq,
    event_type: event.type,
    event_key: event.key,
    occurred_at: event.occurredAt,
    action,
    table_name: rule.table!,
    http_status: null,
    irreversible: rule.irreversible ?? false,
    source_line: event.line,
  };
  return {
    id: event.id,
    table: rule.table!,
    action,
    match: resolveColumns(event, rule.match),
    values,
    ledger,
  };
}

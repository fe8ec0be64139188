/** Refunds: amount and count by status and by day, and the refund amount variance in each currency. */
import type { Mapping } from '../../config/mapping-schema.js';
import type { TotalLine } from '../types.js';
import { requireFields, type DomainCheck } from './domain.js';
import { CycleTimes } from './cycle-time.js';
import {
  countMeasure,
  fieldDimension,
  numericReader,
  sumMeasure,
  type Dimension,
  type TotalDef,
} from './totals.js';

export const REFUND_VARIANCE_GROUP = 'refund amount variance';

/** The refunds domain's totals and checks. */
export function refundsCheck(mapping: Mapping): DomainCheck {
  requireFields(mapping, ['amount', 'status', 'refunded_at'], 'totals by status and by day');
  const amount = sumMeasure('amount', numericReader(mapping, 'amount', 'domain refunds'));
  // Amounts in different currencies never add up: with a currency field every total is per currency.
  const currency: Dimension[] = mapping.fields.currency ? [fieldDimension('currency')] : [];
  // The UTC calendar day: canonical timestamps are ISO UTC, dates are YYYY-MM-DD already.
  const day: Dimension = { name: 'day', of: (row) => row.refunded_at?.slice(0, 10) ?? null };
  const totals: TotalDef[] = [
    {
      group: 'amount by status',
      by: [fieldDimension('status'), ...currency],
      measures: [amount, countMeasure],
    },
    { group: 'amount by day', by: [day, ...currency], measures: [amount, countMeasure] },
    { group: REFUND_VARIANCE_GROUP, by: currency, measures: [amount, countMeasure] },
  ];
  const declaredCurrency = mapping.fields.amount?.currency ?? null;
  // An optional requested_at gives the refund cycle time (requested → refunded) per side.
  const cycle = mapping.fields.requested_at ? new CycleTimes(Boolean(mapping.fields.channel)) : undefined;
  return {
    totals,
    ...(cycle ? { add: (side, rows) => cycle.add(side, rows) } : {}),
    finish(lines: readonly TotalLine[]) {
      const amountVariance = lines
        .filter((l) => l.group === REFUND_VARIANCE_GROUP && l.field === 'amount')
        .map((l) => ({
          currency: currency.length ? (l.by.currency ?? null) : declaredCurrency,
          legacy: l.legacy,
          cloud: l.cloud,
          difference: l.difference,
        }));
      return {
        differences: [],
        checks: { amountVariance, ...(cycle ? { cycleTime: cycle.summary() } : {}) },
      };
    },
  };
}

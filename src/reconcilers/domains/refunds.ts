/** Refunds: amount and count by status and by day, and the refund amount variance in each currency. */
import type { Mapping } from '../../config/mapping-schema.js';
import { roleField } from '../../config/role-field.js';
import type { TotalLine } from '../types.js';
import { requireFields, type DomainCheck } from './domain.js';
import { CycleTimes, type CycleState } from './cycle-time.js';
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
  // The fields playing the domain's roles (`roles:` in the mapping, else the fields of those names).
  const role = (r: string) => roleField(mapping, r);
  const amountField = role('amount');
  const currencyField = role('currency');
  const refundedAt = role('refunded_at');
  const amount = sumMeasure(amountField, numericReader(mapping, amountField, 'domain refunds'));
  // Amounts in different currencies never add up: with a currency field every total is per currency.
  const currency: Dimension[] = mapping.fields[currencyField] ? [fieldDimension(currencyField)] : [];
  // The UTC calendar day: canonical timestamps are ISO UTC, dates are YYYY-MM-DD already.
  const day: Dimension = { name: 'day', of: (row) => row[refundedAt]?.slice(0, 10) ?? null };
  const totals: TotalDef[] = [
    {
      group: 'amount by status',
      by: [fieldDimension(role('status')), ...currency],
      measures: [amount, countMeasure],
    },
    { group: 'amount by day', by: [day, ...currency], measures: [amount, countMeasure] },
    { group: REFUND_VARIANCE_GROUP, by: currency, measures: [amount, countMeasure] },
  ];
  const declaredCurrency = mapping.fields[amountField]?.currency ?? null;
  // An optional requested_at gives the refund cycle time (requested → refunded) per side.
  const cycle = mapping.fields[role('requested_at')]
    ? new CycleTimes({
        requestedAt: role('requested_at'),
        refundedAt,
        channel: mapping.fields[role('channel')] ? role('channel') : undefined,
      })
    : undefined;
  return {
    totals,
    ...(cycle
      ? {
          add: (side, rows) => cycle.add(side, rows),
          exportSide: (side) => cycle.exportSide(side),
          importSide: (_side, state) => cycle.importSide(state as CycleState),
        }
      : {}),
    finish(lines: readonly TotalLine[]) {
      const amountVariance = lines
        .filter((l) => l.group === REFUND_VARIANCE_GROUP && l.field === amountField)
        .map((l) => ({
          currency: currency.length ? (l.by[currencyField] ?? null) : declaredCurrency,
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

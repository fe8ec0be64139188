/**
 * GL postings: every journal must balance on each side (debits = credits), and the trial balance by
 * account and period must agree between the sides. An amount is either signed (debit positive) or
 * split into `debit` and `credit`; `signFrom` in the mapping signs an unsigned amount at the edge.
 */
import { MappingError } from '../../errors.js';
import type { Mapping } from '../../config/mapping-schema.js';
import { roleField } from '../../config/role-field.js';
import type { CanonicalRow, CanonicalValue, Difference, Side } from '../types.js';
import { formatDecimal } from '../../util/exact-decimal.js';
import { requireFields, type DomainCheck } from './domain.js';
import {
  fieldDimension,
  numericReader,
  toScale,
  type Dimension,
  type Measure,
  type NumberReader,
} from './totals.js';

export const TRIAL_BALANCE_GROUP = 'trial balance';

/** The postings domain's journal balance check and trial balance. */
export function postingsCheck(mapping: Mapping): DomainCheck {
  requireFields(mapping, ['journal', 'account'], 'journal balance and trial balance');
  // The fields playing the domain's roles (`roles:` in the mapping, else the fields of those names).
  const [journalF, accountF, periodF, postingDateF, amountF, debitF, creditF] = [
    'journal',
    'account',
    'period',
    'posting_date',
    'amount',
    'debit',
    'credit',
  ].map((r) => roleField(mapping, r)) as [string, string, string, string, string, string, string];
  const f = mapping.fields;
  if (!f[periodF] && !f[postingDateF])
    throw new MappingError(
      `${mapping.file}: domain "postings" needs a "period" or a "posting_date" field for the trial balance.`,
      'Declare one of them under fields: and produce it on both sides.',
    );
  const signed = Boolean(f[amountF]);
  if (!signed && !(f[debitF] && f[creditF]))
    throw new MappingError(
      `${mapping.file}: domain "postings" needs a signed "amount" field (debit positive) or both "debit" and "credit".`,
      'Declare them under fields:; for an unsigned amount with a debit/credit indicator use `signFrom: { column: SHKZG, negative: H }`.',
    );
  const where = 'domain postings';
  const amount = signed ? numericReader(mapping, amountF, where) : undefined;
  const debit = signed ? undefined : numericReader(mapping, debitF, where);
  const credit = signed ? undefined : numericReader(mapping, creditF, where);
  const internal = amount ? amount.internal : Math.max(debit!.internal, credit!.internal);
  const outScale = () => (amount ? amount.outScale() : Math.max(debit!.outScale(), credit!.outScale()));
  const factor = new Map<NumberReader, bigint>();
  for (const r of [amount, debit, credit]) if (r) factor.set(r, 10n ** BigInt(internal - r.internal));
  const at = (r: NumberReader, v: CanonicalValue | undefined): bigint => (r.read(v) ?? 0n) * factor.get(r)!;
  /** Debit and credit of one line, both ≥ 0 for a signed amount, in units of 10^-internal. */
  const split = (row: CanonicalRow): [bigint, bigint] => {
    if (amount) {
      const a = at(amount, row[amountF]);
      return a >= 0n ? [a, 0n] : [0n, -a];
    }
    return [at(debit!, row[debitF]), at(credit!, row[creditF])];
  };
  const balance: Measure = {
    name: 'balance',
    internal,
    of: (row) => {
      const [d, c] = split(row);
      return d - c;
    },
    outScale,
    readers: [amount, debit, credit].filter((r): r is NumberReader => r !== undefined),
  };
  const period: Dimension = f[periodF]
    ? fieldDimension(periodF)
    : { name: 'period', of: (row) => row[postingDateF]?.slice(0, 7) ?? null };
  const journals: Record<Side, Map<CanonicalValue, [bigint, bigint]>> = {
    legacy: new Map(),
    cloud: new Map(),
  };

  return {
    totals: [{ group: TRIAL_BALANCE_GROUP, by: [fieldDimension(accountF), period], measures: [balance] }],
    add(side, rows) {
      for (const row of rows) addToJournal(journals[side], row[journalF] ?? null, ...split(row));
    },
    exportSide(side) {
      return journals[side];
    },
    importSide(side, state) {
      for (const [j, [d, c]] of state as Map<CanonicalValue, [bigint, bigint]>)
        addToJournal(journals[side], j, d, c);
    },
    finish() {
      const differences: Difference[] = [];
      const scale = outScale();
      const fmt = (units: bigint) => formatDecimal(toScale(units, internal, scale), scale);
      const unbalancedJournals = { legacy: 0, cloud: 0 };
      for (const side of ['legacy', 'cloud'] as const) {
        const unbalanced = [...journals[side].entries()].filter(([, [d, c]]) => d !== c);
        unbalanced.sort(([a], [b]) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1));
        unbalancedJournals[side] = unbalanced.length;
        for (const [journal, [d, c]] of unbalanced)
          differences.push({
            type: 'unbalanced_journal',
            key: { journal },
            side,
            balance: {
              debit: fmt(d),
              credit: fmt(c),
              difference: fmt(d - c),
            },
          });
      }
      return {
        differences,
        checks: {
          journals: { legacy: journals.legacy.size, cloud: journals.cloud.size },
          unbalancedJournals,
        },
      };
    },
  };
}

/** Adds a debit and a credit to a journal's running totals. */
function addToJournal(
  map: Map<CanonicalValue, [bigint, bigint]>,
  j: CanonicalValue,
  d: bigint,
  c: bigint,
): void {
  const acc = map.get(j);
  if (acc) {
    acc[0] += d;
    acc[1] += c;
  } else map.set(j, [d, c]);
}

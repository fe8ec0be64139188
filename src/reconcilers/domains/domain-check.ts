/** The contract a domain (`domain:` in a mapping) fulfils, and the pick of the mapping's domain. */
import { MappingError } from '../../errors.js';
import type { Mapping } from '../../config/mapping-schema.js';
import type { CanonicalRow, Difference, TotalLine } from '../types.js';
import type { Side, TotalDef } from './totals.js';
import { inventoryCheck } from './inventory.js';
import { refundsCheck } from './refunds.js';
import { postingsCheck } from './postings.js';

/** What a domain adds to a run: control totals, and checks fed by every canonical row of each side. */
export interface DomainCheck {
  /** Totals added to the mapping's own (those it already lists are not repeated). */
  totals: TotalDef[];
  /** Sees every canonical row read, per side. */
  add?(side: Side, rows: readonly CanonicalRow[]): void;
  /** After both sides are read: differences the domain finds (unbalanced journals) and `summary.checks`. */
  finish(lines: readonly TotalLine[]): { differences: Difference[]; checks: Record<string, unknown> };
}

/** The domain check of a mapping, or undefined for `custom` and no domain. */
export function domainCheckFor(mapping: Mapping): DomainCheck | undefined {
  switch (mapping.domain) {
    case 'inventory':
      return inventoryCheck(mapping);
    case 'refunds':
      return refundsCheck(mapping);
    case 'postings':
      return postingsCheck(mapping);
    default:
      return undefined;
  }
}

/** Fails before any query runs when the mapping lacks a field the domain needs. */
export function requireFields(mapping: Mapping, fields: string[], why: string): void {
  const missing = fields.filter((f) => !mapping.fields[f]);
  if (missing.length)
    throw new MappingError(
      `${mapping.file}: domain "${mapping.domain}" needs the field${missing.length > 1 ? 's' : ''} ${missing.map((f) => `"${f}"`).join(', ')} (${why}).`,
      `Declare ${missing.join(', ')} under fields: and produce ${missing.length > 1 ? 'them' : 'it'} on both sides, or use \`domain: custom\`.`,
    );
}

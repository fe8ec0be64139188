/** The contract a domain (`domain:` in a mapping) fulfils; each domain implements it. */
import { MappingError } from '../../errors.js';
import type { Mapping } from '../../config/mapping-schema.js';
import { roleField } from '../../config/role-field.js';
import type { CanonicalRow, Difference, Side, TotalLine } from '../types.js';
import type { TotalDef } from './totals.js';

/** What a domain adds to a run: control totals, and checks fed by every canonical row of each side. */
export interface DomainCheck {
  /** Totals added to the mapping's own (those it already lists are not repeated). */
  totals: TotalDef[];
  /** Sees every canonical row read, per side. */
  add?(side: Side, rows: readonly CanonicalRow[]): void;
  /**
   * What `add` accumulated for one side, as plain data a reader thread posts to the main thread,
   * and its merge into the main thread's check (the same mapping built it on both threads).
   */
  exportSide?(side: Side): unknown;
  importSide?(side: Side, state: unknown): void;
  /** After both sides are read: differences the domain finds (unbalanced journals) and `summary.checks`. */
  finish(lines: readonly TotalLine[]): { differences: Difference[]; checks: Record<string, unknown> };
}

/** Fails before any query runs when the mapping lacks a field the domain needs. */
export function requireFields(mapping: Mapping, roles: string[], why: string): void {
  const missing = roles.filter((r) => !mapping.fields[roleField(mapping, r)]);
  if (missing.length)
    throw new MappingError(
      `${mapping.file}: domain "${mapping.domain}" needs the field${missing.length > 1 ? 's' : ''} ${missing.map((f) => `"${f}"`).join(', ')} (${why}).`,
      `Declare ${missing.join(', ')} under fields: and produce ${missing.length > 1 ? 'them' : 'it'} on both sides, or use \`domain: custom\`.`,
    );
}

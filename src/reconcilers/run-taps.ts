/**
 * What a reconcile run computes from the canonical rows besides the join: control totals, the
 * domain's checks (journal balances, cycle times) and the settle window's young keys. The same
 * mapping builds the same taps on every thread: a reader thread feeds its side's rows to its own
 * copy and posts `exportSide`; the main thread adds it with `importSide`. Every figure is an exact
 * integer, so the merge gives what one thread would have computed.
 */
import type { Mapping } from '../config/mapping-schema.js';
import { MappingError } from '../errors.js';
import { domainCheckFor, type DomainCheck } from './domains/domain-check.js';
import { ControlTotals, mergeTotals, totalsFromMapping, type TotalsState } from './domains/totals.js';
import { encodeKey } from './key.js';
import { canonicalToMicros } from './timestamp.js';
import type { CanonicalRow, Side } from './types.js';

/** The settle window as a tap sees it: the timestamp field and each side's cutoff (µs since epoch). */
export interface SettleTap {
  field: string;
  cutoff: Record<Side, bigint>;
}

/** How to build a run's taps: plain data, so it can be posted to a reader thread. */
export interface TapSpec {
  /** Run the mapping's domain checks (not on a recheck, which sees a subset of the rows). */
  domain: boolean;
  settle?: SettleTap;
  /** false: the control totals come from elsewhere (checksum pushdown computes them in SQL). */
  totals?: boolean;
}

/** One side's taps as plain data (RunTaps.exportSide). */
export interface TapState {
  totals: TotalsState;
  domain?: unknown;
  young: string[];
  skipped: number;
}

export class RunTaps {
  readonly totals: ControlTotals;
  readonly domain: DomainCheck | undefined;
  /** Keys with a row younger than the settle cutoff on either side. */
  readonly young = new Set<string>();
  /** Rows younger than the settle cutoff, per side. */
  readonly skipped: Record<Side, number> = { legacy: 0, cloud: 0 };

  /** Throws a MappingError (before any query) when the mapping's totals or domain cannot be built. */
  constructor(
    private readonly mapping: Mapping,
    /** What a reader thread needs to build the same taps (the settle cutoff is set once it is known). */
    readonly spec: TapSpec,
  ) {
    const domain = domainCheckFor(mapping);
    this.totals = new ControlTotals(mergeTotals(totalsFromMapping(mapping), domain?.totals ?? []));
    this.domain = spec.domain ? domain : undefined;
    if (mapping.materiality && this.totals.defs.length === 0)
      throw new MappingError(
        `${mapping.file}: \`materiality\` is judged on the control totals, but mapping ${mapping.name} has none.`,
        'Add `totals:` (for example - { sum: [amount] }) or a domain with totals, or remove `materiality`.',
      );
  }

  /** Whether `add` does anything with the rows (the read may then skip building them). */
  get needsRows(): boolean {
    return (
      (this.spec.totals !== false && this.totals.defs.length > 0) ||
      this.domain?.add !== undefined ||
      this.spec.settle !== undefined
    );
  }

  /** Feeds one side's canonical rows (kept after the window and key-set filters). */
  add(side: Side, rows: readonly CanonicalRow[]): void {
    if (this.spec.totals !== false) this.totals.add(side, rows);
    this.domain?.add?.(side, rows);
    const settle = this.spec.settle;
    if (!settle) return;
    const cutoff = settle.cutoff[side];
    for (const row of rows) {
      const at = row[settle.field];
      if (at != null && canonicalToMicros(at) >= cutoff) {
        this.young.add(encodeKey(row, this.mapping.key));
        this.skipped[side]++;
      }
    }
  }

  exportSide(side: Side): TapState {
    return {
      totals: this.totals.exportSide(side),
      ...(this.domain?.exportSide ? { domain: this.domain.exportSide(side) } : {}),
      young: [...this.young],
      skipped: this.skipped[side],
    };
  }

  importSide(side: Side, state: TapState): void {
    this.totals.importSide(side, state.totals);
    if (state.domain !== undefined) this.domain?.importSide?.(side, state.domain);
    for (const k of state.young) this.young.add(k);
    this.skipped[side] += state.skipped;
  }
}

/**
 * What the demo planted, and therefore exactly what `cutover reconcile` must report for each
 * mapping. Counted from the rows the generator wrote, key by key, never estimated.
 */
export interface DomainExpected {
  /** Rows each side holds (what the engine reads). */
  legacyRows: number;
  cloudRows: number;
  /** Keys whose compared fields agree (keys on one side only that `absentAsZero` excuses count here). */
  matched: number;
  mismatched: number;
  missingInCloud: number;
  missingInLegacy: number;
  duplicateKeys: number;
  /** Differing keys per field. */
  fieldMismatches: Record<string, number>;
  /** postings: journals that do not balance, per side. */
  unbalancedJournals?: { legacy: number; cloud: number };
}

/** One planted fault, as the summary and the tests name it. */
export interface PlantedFault {
  domain: 'inventory' | 'refunds' | 'postings';
  fault: string;
  /** Rows it affects. */
  rows: number;
  /** How it shows in the reconcile result. */
  shows: string;
  /** Faults that must NOT be reported (inside tolerance). */
  reported: boolean;
  detail?: Record<string, unknown>;
  /** The causes `cutover diagnose` must name for it, with their parameters (evidence: the keys it must hold). */
  causes?: ExpectedCause[];
}

/** A cause the diagnosis must find, exactly. */
export interface ExpectedCause {
  kind: string;
  field?: string;
  count: number;
  evidence: Record<string, string>;
  where?: Record<string, string>;
}

export interface DemoExpected {
  seed: number;
  scale: number;
  inventory: DomainExpected;
  refunds: DomainExpected;
  postings: DomainExpected;
  events: { total: number; byType: Record<string, number> };
  planted: PlantedFault[];
}

/** Adds one key's differing fields to a domain's expectation. */
export function countKey(e: DomainExpected, differing: Iterable<string>): void {
  let any = false;
  for (const f of differing) {
    e.fieldMismatches[f] = (e.fieldMismatches[f] ?? 0) + 1;
    any = true;
  }
  if (any) e.mismatched++;
  else e.matched++;
}

/** An empty expectation. */
export function emptyExpected(): DomainExpected {
  return {
    legacyRows: 0,
    cloudRows: 0,
    matched: 0,
    mismatched: 0,
    missingInCloud: 0,
    missingInLegacy: 0,
    duplicateKeys: 0,
    fieldMismatches: {},
  };
}

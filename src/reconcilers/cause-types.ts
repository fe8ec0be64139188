/** Result types of a diagnosis: a run's differences explained as a few causes (SPEC: Diagnosis). */
/** The detectors, in the order they break ties. */
export const causeKinds = [
  'unit_factor',
  'time_shift',
  'code_substitution',
  'batch_lag',
  'duplicate_posting',
  'sign_flip',
  'rounding',
  'padding_or_case',
  'null_vs_zero',
] as const;
export type CauseKind = (typeof causeKinds)[number];

export type Confidence = 'high' | 'medium' | 'low';

/** One cause: a suggestion for a person to accept or reject, never an automatic change. */
export interface Cause {
  kind: CauseKind;
  /** The field the cause is seen on (absent for row-level causes such as duplicate_posting). */
  field?: string;
  /** Differences this cause explains (each difference belongs to at most one cause). */
  count: number;
  /** count / all differences of the run, 4 decimals. */
  share: string;
  /** The one dimension (a key or carried field and its value) the cause is confined to, when there is one. */
  where?: Record<string, string>;
  /** The parameters found: factor, seconds, legacy/cloud codes, after, maxDelta... (exact decimal text). */
  evidence: Record<string, string>;
  /** Money (amount) or quantity at stake on `impact.field`: an exact decimal string. */
  impact?: { field: string; amount?: string; quantity?: string };
  confidence: Confidence;
  /** Up to 5 keys of differences it explains, in run order. */
  sampleKeys: Record<string, string | null>[];
  /** The mapping change that would remove it, as YAML (or a YAML comment when no mapping change can). */
  suggestion: string;
}

/** `cutover diagnose RUN --json`. */
export interface Diagnosis {
  runId: string;
  differences: number;
  explained: number;
  unexplained: number;
  causes: Cause[];
}

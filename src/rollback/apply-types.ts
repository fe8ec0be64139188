/** What a rollback apply shows before it writes, and what it returns: read by its report and renderer. */
/** What apply is about to do, for the confirmation question. */
export interface ApplyPreview {
  planId: string;
  runId: string;
  targets: string[];
  toUndo: number;
  toSkip: number;
  manual: number;
}

/** One action in the rollback report. */
export interface ReportItem {
  seq: number;
  eventId: string;
  eventType: string;
  eventKey: string;
  target: string;
  table: string | null;
  undo: string;
  amounts: Record<string, string>;
  reason?: string;
  payload?: unknown;
}

export interface ApplyResult {
  planId: string;
  runId: string;
  hash: string;
  status: 'complete' | 'partial';
  counts: { undone: number; skipped: number; manual: number };
  /** Undone by an earlier run of this apply (resumed) or by another plan: included in, or besides, `undone`. */
  resumed: number;
  undoneByOtherPlans: number;
  byType: Record<
    string,
    { undone: number; skipped: number; manual: number; amountsUndone: Record<string, string> }
  >;
  undone: ReportItem[];
  skipped: ReportItem[];
  manual: ReportItem[];
  startedAt: string;
  finishedAt: string;
}

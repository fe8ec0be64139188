/** A row as the replay ledger stored it: column → JSON value (exact numbers as text where the driver gave text). */
export type RowImage = Record<string, unknown>;

/** One row an action undoes. */
export interface RowChange {
  /** Columns that find the row: its primary key, else the event's match, else the whole image. */
  where: RowImage;
  /** What the row must be now for the undo to be safe (the replay's after-image); null: no row there. */
  expect: RowImage | null;
  /** What the undo leaves (the before-image); null: the row is deleted. */
  restore: RowImage | null;
}

export type ActionStatus = 'ok' | 'conflict' | 'manual';

/** The compensation of one applied event. */
export interface PlanAction {
  seq: number;
  eventId: string;
  eventType: string;
  eventKey: string;
  occurredAt: string;
  /** The connection the event went to. */
  target: string;
  table: string | null;
  /** What replay did: insert | upsert | update | increment | delete | http. */
  action: string;
  /** What the undo does, in words a lead can read ("delete 1 row", "restore 2 rows", ...). */
  undo: string;
  rows: RowChange[];
  status: ActionStatus;
  /** conflict: what differs; manual: what a person must do. */
  reason?: string;
  /** conflict: the rows found at planning time. */
  current?: RowImage[];
  /** The replay's net effect per numeric column (after − before), exact decimal text. */
  amounts: Record<string, string>;
  /** manual: the event's payload, when the source could still be read. */
  payload?: unknown;
}

/** A target database (or HTTP API) of the run, as the plan saw it. */
export interface PlanTarget {
  name: string;
  /** The connection URL with its password masked: a changed host/database makes the plan stale. */
  url: string;
  dialect: string;
}

/** Per event type: actions by status and the replay's net effect on each numeric column. */
export interface TypeSummary {
  actions: number;
  ok: number;
  conflict: number;
  manual: number;
  amounts: Record<string, string>;
}

/** A saved rollback plan: exactly what `rollback apply` will do. The hash is sha256 of this without `hash`. */
export interface RollbackPlan {
  planId: string;
  runId: string;
  /** The replay run's status when planned: `running` means it may still be going (or it crashed). */
  runStatus: string;
  createdAt: string;
  createdBy: string;
  targets: PlanTarget[];
  counts: { ok: number; conflict: number; manual: number; alreadyUndone: number };
  byType: Record<string, TypeSummary>;
  /** In the order apply runs them: reverse seq. */
  actions: PlanAction[];
}

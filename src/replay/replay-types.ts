/** What a replay run returns and reports while it runs: read by its report, its renderer and the command. */
import type { SourceIdentity } from './sources.js';
import type { ReplayCounts, TypeStats } from './tally.js';
import type { DryRunResult } from './dry-run.js';

export type { ReplayCounts, TypeStats };

export interface ReplayProgress extends ReplayCounts {
  total: number;
  elapsedMs: number;
}

export interface ReplayResult {
  runId: string | null;
  status: 'complete' | 'failures' | 'interrupted' | 'dry-run';
  counts: ReplayCounts;
  exceptions: { opened: number };
  byType: Record<string, TypeStats>;
  failures: {
    eventId: string | null;
    key: string;
    line: number;
    error: string;
    exceptionIds: string[];
    parked: number;
  }[];
  source: SourceIdentity;
  mappingFile: string;
  targets: string[];
  elapsedMs: number;
  eventsPerSecond: number;
  resumed: boolean;
  dryRun?: DryRunResult;
}

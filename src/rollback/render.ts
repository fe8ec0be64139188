import type { RollbackPlan } from './plan-types.js';
import type { ApplyResult } from './apply-types.js';
import type { ReportFiles } from './rollback-report.js';
import { groupItems } from './group-items.js';
import { formatFigure } from '../util/figures.js';

/** `rollback plan --json`. */
export function planJson(plan: RollbackPlan, hash: string, reports: ReportFiles | undefined) {
  const { ok, conflict, manual } = plan.counts;
  return {
    planId: plan.planId,
    runId: plan.runId,
    hash,
    counts: { ok, conflict, manual },
    ...(reports ? { reports } : {}),
  };
}

/** `rollback apply --json`. */
export function applyJson(r: ApplyResult, reports: ReportFiles | undefined) {
  return { planId: r.planId, status: r.status, counts: r.counts, ...(reports ? { reports } : {}) };
}

/** The plan as a lead reads it in the terminal. */
export function renderPlan(plan: RollbackPlan, hash: string, reports: ReportFiles | undefined): string {
  const c = plan.counts;
  const lines = [
    `Rollback plan ${plan.planId} for replay run ${plan.runId} (hash ${hash.slice(0, 12)}…)`,
    `  ${c.ok} to undo, ${c.conflict} conflict${c.conflict === 1 ? '' : 's'}, ${c.manual} for a person${c.alreadyUndone ? `, ${c.alreadyUndone} already undone` : ''}`,
  ];
  if (plan.runStatus === 'running')
    lines.push(
      `  Note: run ${plan.runId} is still marked running; if it is still going, stop it and plan again.`,
    );
  for (const [type, s] of Object.entries(plan.byType).sort()) {
    const amounts = Object.entries(s.amounts)
      .map(([k, v]) => `${k} ${formatFigure(v)}`)
      .join(', ');
    lines.push(
      `  ${type}: ${s.ok} ok, ${s.conflict} conflict, ${s.manual} manual${amounts ? ` (replay effect: ${amounts})` : ''}`,
    );
  }
  lines.push(
    ...groupItems(
      plan.actions.filter((x) => x.status !== 'ok').map((a) => ({ ...a, label: a.status.toUpperCase() })),
      reports?.md ?? `cutover runs show ${plan.planId}`,
    ),
  );
  lines.push(
    reports
      ? `Review ${reports.md}, then: cutover rollback apply ${plan.planId}`
      : `Review it (\`cutover runs show ${plan.planId}\`), then: cutover rollback apply ${plan.planId}`,
  );
  return lines.join('\n');
}

/** The result of an apply as a lead reads it. */
export function renderApply(r: ApplyResult, reports: ReportFiles | undefined): string {
  const lines = [
    `Rollback ${r.planId} of run ${r.runId}: ${r.status}`,
    `  ${r.counts.undone} undone${r.resumed ? ` (${r.resumed === r.counts.undone ? 'all' : r.resumed} by an earlier apply of this plan)` : ''}, ${r.counts.skipped} skipped, ${r.counts.manual} left for a person${r.undoneByOtherPlans ? `; ${r.undoneByOtherPlans} already undone by another plan` : ''}`,
  ];
  lines.push(
    ...groupItems(
      [
        ...r.skipped.map((i) => ({ ...i, label: 'SKIPPED' })),
        ...r.manual.map((i) => ({ ...i, label: 'MANUAL' })),
      ],
      reports?.md ?? 'the plan report',
    ),
  );
  if (reports) lines.push(`Report: ${reports.md}`);
  return lines.join('\n');
}

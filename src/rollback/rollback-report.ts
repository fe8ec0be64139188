import fs from 'node:fs/promises';
import path from 'node:path';
import { writeAtomically } from '../reports/atomic-file.js';
import { writeTableWorkbook, type TableRow } from '../reports/simple-workbook.js';
import type { PlanAction, RollbackPlan } from './plan-types.js';
import type { ApplyResult, ReportItem } from './apply-types.js';

/** How many rows of one kind the Markdown lists (all of them are in the JSON and the workbook). */
const MD_ROWS = 500;

/** Paths of the files a report wrote. */
export interface ReportFiles {
  json: string;
  md: string;
  xlsx: string;
}

/** Escapes text for a Markdown table cell (like the reports' mdText, but never cut short: a manual item's instructions are read in full). */
const mdText = (value: string | null | undefined): string =>
  value === null || value === undefined
    ? '∅'
    : value.replace(/[\r\n]+/g, ' ').replace(/([\\`*_[\]<>|#!~])/g, '\\$1');

const amountsText = (a: Record<string, string>): string =>
  Object.entries(a)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

async function writeText(file: string, text: string): Promise<void> {
  await writeAtomically(file, (tmp) => fs.writeFile(tmp, text));
}

/** Writes reports/<plan>/rollback-plan.json, .md and .xlsx: what apply will do, for review before it runs. */
export async function writePlanReport(
  reportsDir: string,
  plan: RollbackPlan,
  hash: string,
): Promise<ReportFiles> {
  const dir = path.join(reportsDir, plan.planId);
  const files = {
    json: path.join(dir, 'rollback-plan.json'),
    md: path.join(dir, 'rollback-plan.md'),
    xlsx: path.join(dir, 'rollback-plan.xlsx'),
  };
  await writeText(files.json, JSON.stringify({ ...plan, hash }, null, 2) + '\n');
  await writeText(files.md, planMarkdown(plan, hash));
  await writeTableWorkbook({
    file: files.xlsx,
    title: `Rollback plan ${plan.planId} for replay run ${plan.runId}`,
    status: {
      pass: plan.counts.conflict === 0 && plan.counts.manual === 0,
      text: `${plan.counts.ok} to undo, ${plan.counts.conflict} conflicts, ${plan.counts.manual} for a person`,
    },
    summary: [
      { label: 'Plan hash (sha256)', value: hash },
      { label: 'Made at', value: plan.createdAt, kind: 'timestamp' },
      { label: 'Made by', value: plan.createdBy },
      { label: 'Targets', value: plan.targets.map((t) => `${t.name} (${t.url})`).join(', ') },
      { label: 'Already undone earlier', value: plan.counts.alreadyUndone },
      ...typeLines(plan.byType),
    ],
    sheets: [
      {
        name: 'Actions',
        columns: ACTION_COLUMNS,
        rows: plan.actions.map(actionRow),
        highlight: (r) => r.status !== 'ok',
      },
      {
        name: 'Conflicts',
        columns: ACTION_COLUMNS,
        rows: plan.actions.filter((a) => a.status === 'conflict').map(actionRow),
      },
      {
        name: 'Manual',
        columns: ACTION_COLUMNS,
        rows: plan.actions.filter((a) => a.status === 'manual').map(actionRow),
      },
    ],
  });
  return files;
}

/** Writes reports/<plan>/rollback.json, .md and .xlsx: what was undone, skipped, and left for people. */
export async function writeApplyReport(reportsDir: string, result: ApplyResult): Promise<ReportFiles> {
  const dir = path.join(reportsDir, result.planId);
  const files = {
    json: path.join(dir, 'rollback.json'),
    md: path.join(dir, 'rollback.md'),
    xlsx: path.join(dir, 'rollback.xlsx'),
  };
  await writeText(files.json, JSON.stringify(result, null, 2) + '\n');
  await writeText(files.md, applyMarkdown(result));
  const sheet = (name: string, items: ReportItem[]) => ({
    name,
    columns: ITEM_COLUMNS,
    rows: items.map(itemRow),
  });
  await writeTableWorkbook({
    file: files.xlsx,
    title: `Rollback ${result.planId} of replay run ${result.runId}`,
    status: {
      pass: result.status === 'complete',
      text: `${result.counts.undone} undone, ${result.counts.skipped} skipped, ${result.counts.manual} left for a person`,
    },
    summary: [
      { label: 'Status', value: result.status },
      { label: 'Plan hash (sha256)', value: result.hash },
      { label: 'Started', value: result.startedAt },
      { label: 'Finished', value: result.finishedAt },
      ...Object.entries(result.byType).flatMap(([type, s]) => [
        { label: `${type}: undone / skipped / manual`, value: `${s.undone} / ${s.skipped} / ${s.manual}` },
        ...Object.entries(s.amountsUndone).map(([col, v]) => ({
          label: `${type}: ${col} taken back`,
          value: v,
          kind: 'number' as const,
          scale: scaleOf(v),
        })),
      ]),
    ],
    sheets: [
      sheet('Manual', result.manual),
      sheet('Skipped', result.skipped),
      sheet('Undone', result.undone),
    ],
  });
  return files;
}

const ACTION_COLUMNS = [
  { key: 'seq', header: 'Seq', kind: 'number' as const, width: 8 },
  { key: 'status', header: 'Status', width: 10 },
  { key: 'eventId', header: 'Event', width: 18 },
  { key: 'eventType', header: 'Type', width: 20 },
  { key: 'eventKey', header: 'Key', width: 20 },
  { key: 'target', header: 'Target', width: 12 },
  { key: 'table', header: 'Table', width: 18 },
  { key: 'action', header: 'Replay did', width: 10 },
  { key: 'undo', header: 'Undo does', width: 22 },
  { key: 'amounts', header: 'Amounts (replay effect)', width: 28 },
  { key: 'reason', header: 'Conflict / what a person must do', width: 80 },
];

const ITEM_COLUMNS = [
  { key: 'seq', header: 'Seq', kind: 'number' as const, width: 8 },
  { key: 'eventId', header: 'Event', width: 18 },
  { key: 'eventType', header: 'Type', width: 20 },
  { key: 'eventKey', header: 'Key', width: 20 },
  { key: 'target', header: 'Target', width: 12 },
  { key: 'table', header: 'Table', width: 18 },
  { key: 'undo', header: 'Undo', width: 22 },
  { key: 'amounts', header: 'Amounts', width: 28 },
  { key: 'reason', header: 'Reason / what a person must do', width: 80 },
  { key: 'payload', header: 'Event payload', width: 60 },
];

function actionRow(a: PlanAction): TableRow {
  return {
    seq: a.seq,
    status: a.status,
    eventId: a.eventId,
    eventType: a.eventType,
    eventKey: a.eventKey,
    target: a.target,
    table: a.table,
    action: a.action,
    undo: a.undo,
    amounts: amountsText(a.amounts),
    reason: a.reason ?? '',
  };
}

function itemRow(i: ReportItem): TableRow {
  return {
    seq: i.seq,
    eventId: i.eventId,
    eventType: i.eventType,
    eventKey: i.eventKey,
    target: i.target,
    table: i.table,
    undo: i.undo,
    amounts: amountsText(i.amounts),
    reason: i.reason ?? '',
    payload: i.payload === undefined ? '' : JSON.stringify(i.payload),
  };
}

function typeLines(byType: RollbackPlan['byType']) {
  return Object.entries(byType).flatMap(([type, s]) => [
    { label: `${type}: ok / conflict / manual`, value: `${s.ok} / ${s.conflict} / ${s.manual}` },
    ...Object.entries(s.amounts).map(([col, v]) => ({
      label: `${type}: ${col} (replay's net effect)`,
      value: v,
      kind: 'number' as const,
      scale: scaleOf(v),
    })),
  ]);
}

function scaleOf(v: string): number {
  const i = v.indexOf('.');
  return i < 0 ? 0 : v.length - i - 1;
}

/** The plan for review: counts and amounts per event type, every conflict and manual item, then the undo list. */
export function planMarkdown(plan: RollbackPlan, hash: string): string {
  const c = plan.counts;
  const lines = [
    `# Rollback plan ${plan.planId}`,
    '',
    `- Replay run: ${plan.runId} (${plan.runStatus})${plan.runStatus === 'running' ? ' — **still marked running**: if it is still going, stop it and plan again' : ''}`,
    `- Targets: ${plan.targets.map((t) => `${t.name} (${mdText(t.url)})`).join(', ')}`,
    `- Made ${plan.createdAt} by ${mdText(plan.createdBy)}`,
    `- Plan hash (sha256): \`${hash}\``,
    `- **${c.ok}** to undo automatically, **${c.conflict}** conflicts, **${c.manual}** for a person${c.alreadyUndone ? `; ${c.alreadyUndone} already undone earlier` : ''}`,
    '',
    `Apply exactly this plan with \`cutover rollback apply ${plan.planId}\`; it is refused if the target has changed since.`,
    '',
    '## By event type',
    '',
    "Amounts are the replay's net effect on each numeric column (after − before); the rollback takes them back.",
    '',
    '| event type | actions | ok | conflict | manual | amounts |',
    '|---|---:|---:|---:|---:|---|',
  ];
  for (const [type, s] of Object.entries(plan.byType).sort())
    lines.push(
      `| ${mdText(type)} | ${s.actions} | ${s.ok} | ${s.conflict} | ${s.manual} | ${mdText(amountsText(s.amounts))} |`,
    );
  const section = (title: string, intro: string, list: PlanAction[]) => {
    if (!list.length) return;
    lines.push(
      '',
      `## ${title} (${list.length})`,
      '',
      intro,
      '',
      '| seq | event | type | key | table | amounts | detail |',
      '|---:|---|---|---|---|---|---|',
    );
    for (const a of list.slice(0, MD_ROWS))
      lines.push(
        `| ${a.seq} | ${mdText(a.eventId)} | ${mdText(a.eventType)} | ${mdText(a.eventKey)} | ${mdText(a.table ?? a.target)} | ${mdText(amountsText(a.amounts))} | ${mdText(a.reason ?? a.undo)} |`,
      );
    if (list.length > MD_ROWS) lines.push('', `(${list.length - MD_ROWS} more in rollback-plan.json)`);
  };
  section(
    'Conflicts',
    'The row changed after the replay; apply will not overwrite it. Resolve by hand, then plan again, or apply with --skip-conflicts.',
    plan.actions.filter((a) => a.status === 'conflict'),
  );
  section(
    'For a person',
    'cutover will not undo these; each says what must be done.',
    plan.actions.filter((a) => a.status === 'manual'),
  );
  section(
    'To undo',
    'In this order, each in its own transaction with its rollback mark.',
    plan.actions.filter((a) => a.status === 'ok'),
  );
  return lines.join('\n') + '\n';
}

/** The rollback report for finance and audit: what was undone, skipped, and left for people, with amounts. */
export function applyMarkdown(r: ApplyResult): string {
  const lines = [
    `# Rollback ${r.planId}`,
    '',
    `- Replay run: ${r.runId}; plan hash \`${r.hash}\``,
    `- Status: **${r.status}**`,
    `- Undone **${r.counts.undone}**${r.resumed ? ` (${r.resumed} of them by an earlier, interrupted apply)` : ''}, skipped **${r.counts.skipped}**, left for a person **${r.counts.manual}**${r.undoneByOtherPlans ? `; ${r.undoneByOtherPlans} were undone by another plan` : ''}`,
    `- ${r.startedAt} – ${r.finishedAt}`,
    '',
    '## By event type',
    '',
    '| event type | undone | skipped | manual | amounts taken back |',
    '|---|---:|---:|---:|---|',
  ];
  for (const [type, s] of Object.entries(r.byType).sort())
    lines.push(
      `| ${mdText(type)} | ${s.undone} | ${s.skipped} | ${s.manual} | ${mdText(amountsText(s.amountsUndone))} |`,
    );
  const section = (title: string, list: ReportItem[]) => {
    if (!list.length) return;
    lines.push(
      '',
      `## ${title} (${list.length})`,
      '',
      '| seq | event | type | key | table | amounts | detail |',
      '|---:|---|---|---|---|---|---|',
    );
    for (const i of list.slice(0, MD_ROWS))
      lines.push(
        `| ${i.seq} | ${mdText(i.eventId)} | ${mdText(i.eventType)} | ${mdText(i.eventKey)} | ${mdText(i.table ?? i.target)} | ${mdText(amountsText(i.amounts))} | ${mdText(i.reason ?? i.undo)} |`,
      );
    if (list.length > MD_ROWS) lines.push('', `(${list.length - MD_ROWS} more in rollback.json)`);
  };
  section('Left for a person', r.manual);
  section('Skipped', r.skipped);
  section('Undone', r.undone);
  return lines.join('\n') + '\n';
}

/**
 * The dashboard page: one self-contained HTML file. Every figure is in a table rendered here (exact
 * text, readable by a screen reader and on paper); each table has a chart beside it, drawn in the
 * browser by the bundled Chart.js from a ChartSpec. A Content-Security-Policy of `default-src 'none'`
 * makes the page unable to fetch anything, so it works the same from file:// on an offline laptop.
 */
import { formatDecimal, roundDiv } from '../util/exact-decimal.js';
import { agingBuckets, groupDigits, shortTime } from './aggregate.js';
import type { ChartSpec } from './chart-spec.js';
import { confirmKinds, differenceKinds, type DashboardData, type MappingTrend } from './collect.js';
import { CLIENT_SCRIPT, PAGE_STYLE } from './page-assets.js';
import { severities } from '../exceptions/types.js';

/** Escapes text for HTML element content and attribute values. */
export function esc(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** A cell: the exact text, digits grouped like the workbook's number formats. */
const num = (v: string | number) => groupDigits(v);

/** Milliseconds as hours at 2 decimals, rounded half-up in exact arithmetic. */
export function hours(ms: number): string {
  return formatDecimal(roundDiv(BigInt(ms) * 100n, 3_600_000n), 2);
}

interface Table {
  caption: string;
  head: string[];
  /** Each row: its header cell, its cells (text) and optional data attributes for the row and cells. */
  rows: { head: string; cells: string[]; attrs?: Record<string, string> }[];
  /** data-key of each cell column, so a test or a script can find a figure. */
  keys?: string[];
  name: string;
}

function table(t: Table): string {
  const head = t.head.map((h) => `<th scope="col">${esc(h)}</th>`).join('');
  const body = t.rows
    .map((r) => {
      const attrs = Object.entries(r.attrs ?? {})
        .map(([k, v]) => ` data-${k}="${esc(v)}"`)
        .join('');
      const cells = r.cells
        .map((c, i) => `<td${t.keys?.[i] ? ` data-key="${esc(t.keys[i]!)}"` : ''}>${esc(c)}</td>`)
        .join('');
      return `<tr${attrs}><th scope="row">${esc(r.head)}</th>${cells}</tr>`;
    })
    .join('\n');
  return `<table data-table="${esc(t.name)}"><caption>${esc(t.caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

let chartSeq = 0;

/** A chart (title, canvas with its description) beside the table that holds its figures. */
function pair(title: string, spec: ChartSpec, t: Table): string {
  const id = `chart-${++chartSeq}`;
  return `<div class="pair">
<figure><figcaption id="${id}-title">${esc(title)}</figcaption>
<div class="chart"><canvas id="${id}" role="img" aria-labelledby="${id}-title" aria-describedby="${id}-table" data-spec="${esc(JSON.stringify(spec))}">${esc(`${title}: the figures are in the table beside this chart.`)}</canvas></div></figure>
<div class="table" id="${id}-table">${table(t)}</div>
</div>`;
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}" aria-labelledby="${id}-h"><h2 id="${id}-h">${esc(title)}</h2>\n${body}\n</section>`;
}

const none = (text: string) => `<p class="none">${esc(text)}</p>`;

function mappingBlock(m: MappingTrend): string {
  const labels = m.nights.map((n) => n.night);
  const withConfirm = m.nights.some((n) => n.confirm);
  const kinds = (withConfirm ? confirmKinds : differenceKinds).filter(([k]) =>
    m.nights.some((n) => (withConfirm ? n.confirm?.[k] : n.kinds[k]) !== undefined),
  );
  const value = (n: (typeof m.nights)[number], k: string) => (withConfirm ? n.confirm?.[k] : n.kinds[k]) ?? 0;
  const differences = pair(
    `${m.name}: differences per night, by ${withConfirm ? 'confirm pass (persistent vs in flight)' : 'kind'}`,
    {
      type: 'bar',
      labels,
      datasets: kinds.map(([k, label]) => ({ label, data: m.nights.map((n) => value(n, k)), stack: 'd' })),
      x: 'Night (reconcile run start, UTC)',
      y: 'Differences',
      stacked: true,
    },
    {
      name: 'differences',
      caption: `${m.name}: differences per night`,
      head: ['Night', 'Run', ...kinds.map(([, label]) => label)],
      keys: ['run', ...kinds.map(([k]) => k)],
      rows: m.nights.map((n) => ({
        head: n.night,
        cells: [n.runId, ...kinds.map(([k]) => num(value(n, k)))],
        attrs: { mapping: m.name, run: n.runId },
      })),
    },
  );
  const variance = m.totals.length
    ? pair(
        `${m.name}: absolute control-total variance per night (sum of |line difference|)`,
        {
          type: 'line',
          labels,
          datasets: m.totals.map((t) => ({
            label: t,
            data: m.nights.map((n) => Number(n.variance[t] ?? 0)),
          })),
          x: 'Night (reconcile run start, UTC)',
          y: 'Sum of |difference|',
        },
        {
          name: 'variance',
          caption: `${m.name}: absolute control-total variance per night`,
          head: ['Night', ...m.totals],
          keys: m.totals,
          rows: m.nights.map((n) => ({
            head: n.night,
            cells: m.totals.map((t) => (n.variance[t] === undefined ? '–' : num(n.variance[t]))),
            attrs: { mapping: m.name, run: n.runId },
          })),
        },
      )
    : none(`${m.name} has no control totals.`);
  return `<h3>${esc(m.name)}</h3>\n${differences}\n${variance}`;
}

function causesSection(d: DashboardData): string {
  const blocks = d.mappings
    .filter((m) => m.nights.some((n) => n.causes))
    .map((m) => {
      const kinds = [...new Set(m.nights.flatMap((n) => Object.keys(n.causes ?? {})))];
      return `<h3>${esc(m.name)}</h3>\n${pair(
        `${m.name}: differences explained per cause, per night`,
        {
          type: 'bar',
          labels: m.nights.map((n) => n.night),
          datasets: kinds.map((k) => ({
            label: k,
            data: m.nights.map((n) => n.causes?.[k] ?? 0),
            stack: 'c',
          })),
          x: 'Night (reconcile run start, UTC)',
          y: 'Differences explained',
          stacked: true,
        },
        {
          name: 'causes',
          caption: `${m.name}: differences explained per cause`,
          head: ['Night', ...kinds],
          keys: kinds,
          rows: m.nights.map((n) => ({
            head: n.night,
            cells: kinds.map((k) => (n.causes ? num(n.causes[k] ?? 0) : '–')),
            attrs: { mapping: m.name, run: n.runId },
          })),
        },
      )}`;
    });
  return section('causes', 'Causes', blocks.join('\n'));
}

function queueSection(d: DashboardData): string {
  const q = d.queue;
  const statusLine = Object.entries(q.byStatus)
    .map(([s, n]) => `<span data-status="${esc(s)}">${esc(s)} <b>${esc(num(n))}</b></span>`)
    .join(' · ');
  const facts = `<p class="facts">Backlog (open or assigned): <b data-figure="backlog">${esc(num(q.backlog))}</b> of <b data-figure="total">${esc(num(q.total))}</b> items${statusLine ? ` — ${statusLine}` : ''}.</p>`;
  const burn = q.burnDown.length
    ? pair(
        'Queue burn-down: items opened and resolved per night, and the backlog at its end',
        {
          type: 'bar',
          labels: q.burnDown.map((p) => p.night),
          datasets: [
            { label: 'opened', data: q.burnDown.map((p) => p.opened) },
            { label: 'resolved or ignored', data: q.burnDown.map((p) => p.resolved) },
            { label: 'backlog at end', data: q.burnDown.map((p) => p.backlog), type: 'line' },
          ],
          x: 'Night (reconcile run start, UTC)',
          y: 'Items',
        },
        {
          name: 'burn-down',
          caption: 'Queue burn-down per night',
          head: ['Night', 'Opened', 'Resolved or ignored', 'Backlog at end'],
          keys: ['opened', 'resolved', 'backlog'],
          rows: q.burnDown.map((p) => ({
            head: p.night,
            cells: [num(p.opened), num(p.resolved), num(p.backlog)],
          })),
        },
      )
    : none('No reconcile night in this period: no burn-down.');
  const aging = pair(
    'Backlog aging (days since first seen), by severity',
    {
      type: 'bar',
      labels: [...agingBuckets],
      datasets: severities
        .slice()
        .reverse()
        .map((s) => ({ label: s, data: agingBuckets.map((b) => q.aging[b]?.[s] ?? 0), stack: 'a' })),
      x: 'Age',
      y: 'Open or assigned items',
      stacked: true,
    },
    {
      name: 'aging',
      caption: 'Backlog aging by severity',
      head: ['Age', 'high', 'medium', 'low'],
      keys: ['high', 'medium', 'low'],
      rows: agingBuckets.map((b) => ({
        head: b,
        cells: ['high', 'medium', 'low'].map((s) => num(q.aging[b]?.[s] ?? 0)),
        attrs: { bucket: b },
      })),
    },
  );
  const people = Object.keys(q.byAssignee).sort();
  const assignees = people.length
    ? pair(
        'Backlog by assignee and severity',
        {
          type: 'bar',
          horizontal: true,
          labels: people,
          datasets: severities
            .slice()
            .reverse()
            .map((s) => ({ label: s, data: people.map((p) => q.byAssignee[p]?.[s] ?? 0), stack: 's' })),
          x: 'Open or assigned items',
          y: 'Assignee',
          stacked: true,
        },
        {
          name: 'assignees',
          caption: 'Backlog by assignee and severity',
          head: ['Assignee', 'high', 'medium', 'low'],
          keys: ['high', 'medium', 'low'],
          rows: people.map((p) => ({
            head: p,
            cells: ['high', 'medium', 'low'].map((s) => num(q.byAssignee[p]?.[s] ?? 0)),
            attrs: { assignee: p },
          })),
        },
      )
    : none('The backlog is empty.');
  return section('queue', 'Exception queue', `${facts}\n${burn}\n${aging}\n${assignees}`);
}

function replaySection(d: DashboardData): string {
  if (!d.replay.length) return section('replay', 'Replay', none(`No replay run in the last ${d.days} days.`));
  const labels = d.replay.map((r) => shortTime(r.startedAt));
  return section(
    'replay',
    'Replay',
    pair(
      'Replay: events per run (applied, failed, parked) and throughput',
      {
        type: 'bar',
        labels,
        datasets: [
          { label: 'applied', data: d.replay.map((r) => r.applied), stack: 'e' },
          { label: 'already applied', data: d.replay.map((r) => r.alreadyApplied), stack: 'e' },
          { label: 'failed', data: d.replay.map((r) => r.failed), stack: 'e' },
          { label: 'parked', data: d.replay.map((r) => r.parked), stack: 'e' },
          { label: 'events/s', data: d.replay.map((r) => r.eventsPerSecond), type: 'line', yAxisID: 'y2' },
        ],
        x: 'Replay run start (UTC)',
        y: 'Events',
        y2: 'Events per second',
        stacked: true,
      },
      {
        name: 'replay',
        caption: 'Replay runs',
        head: [
          'Started',
          'Run',
          'Status',
          'Read',
          'Applied',
          'Already applied',
          'Failed',
          'Parked',
          'Events/s',
        ],
        keys: ['run', 'status', 'read', 'applied', 'alreadyApplied', 'failed', 'parked', 'eventsPerSecond'],
        rows: d.replay.map((r, i) => ({
          head: labels[i]!,
          cells: [
            r.runId,
            r.status,
            num(r.read),
            num(r.applied),
            num(r.alreadyApplied),
            num(r.failed),
            num(r.parked),
            num(r.eventsPerSecond),
          ],
          attrs: { run: r.runId },
        })),
      },
    ),
  );
}

function rollbackSection(d: DashboardData): string {
  const p = d.rollback;
  if (!p) return section('rollback', 'Rollback readiness', none('No rollback plan has been made yet.'));
  const stake = Object.entries(p.atStake);
  const facts = `<p class="facts">Last plan <b>${esc(p.planId)}</b> for replay run ${esc(p.runId)}, made ${esc(shortTime(p.createdAt))}, status ${esc(p.status)}: <b data-figure="manual">${esc(num(p.counts.manual))}</b> manual item${p.counts.manual === 1 ? '' : 's'}${stake.length ? `, at stake ${stake.map(([c, v]) => `${esc(c)} <b data-stake="${esc(c)}">${esc(num(v))}</b>`).join(', ')}` : ''}.</p>`;
  const chart = pair(
    'Rollback readiness: the last plan’s compensations by status',
    {
      type: 'bar',
      labels: ['ok', 'conflict', 'manual'],
      datasets: [{ label: 'compensations', data: [p.counts.ok, p.counts.conflict, p.counts.manual] }],
      x: 'Status',
      y: 'Compensations',
    },
    {
      name: 'rollback',
      caption: 'Compensations by status',
      head: ['Status', 'Compensations'],
      keys: ['count'],
      rows: (['ok', 'conflict', 'manual'] as const).map((s) => ({
        head: s,
        cells: [num(p.counts[s])],
        attrs: { status: s },
      })),
    },
  );
  const manual = p.manual.length
    ? table({
        name: 'manual',
        caption: 'Manual items: what a person must do',
        head: ['Event', 'Type', 'Key', 'Amounts', 'What to do'],
        rows: p.manual.map((m) => ({
          head: m.eventId,
          cells: [
            m.eventType,
            m.eventKey,
            Object.entries(m.amounts)
              .map(([c, v]) => `${c} ${num(v)}`)
              .join(', '),
            m.reason,
          ],
        })),
      })
    : none('No manual items: every compensation can run by itself.');
  return section('rollback', 'Rollback readiness', `${facts}\n${chart}\n${manual}`);
}

function paritySection(d: DashboardData): string {
  const rows = d.parity;
  const label = (r: (typeof rows)[number]) => `${r.mapping} · ${r.channel ?? 'all channels'}`;
  const groups = [...new Set(rows.map(label))];
  const at = (g: string, side: string, f: 'p50Ms' | 'p90Ms') => {
    const r = rows.find((x) => label(x) === g && x.side === side);
    return r && r.refunds ? Number(hours(r[f])) : 0;
  };
  return section(
    'parity',
    'Process parity: refund cycle time',
    pair(
      'Refund cycle time (requested → refunded), p50 and p90 per side and channel',
      {
        type: 'bar',
        labels: groups,
        datasets: ['legacy', 'cloud'].flatMap((side) =>
          (['p50Ms', 'p90Ms'] as const).map((f) => ({
            label: `${side} ${f === 'p50Ms' ? 'p50' : 'p90'}`,
            data: groups.map((g) => at(g, side, f)),
          })),
        ),
        x: 'Mapping · channel',
        y: 'Hours',
      },
      {
        name: 'parity',
        caption: 'Refund cycle time in hours (nearest-rank percentiles)',
        head: ['Mapping · channel', 'Side', 'Refunds', 'p50 h', 'p90 h', 'Refunded before requested'],
        keys: ['side', 'refunds', 'p50', 'p90', 'negative'],
        rows: rows.map((r) => ({
          head: label(r),
          cells: [
            r.side,
            num(r.refunds),
            r.refunds ? num(hours(r.p50Ms)) : '–',
            r.refunds ? num(hours(r.p90Ms)) : '–',
            num(r.negative),
          ],
          attrs: { mapping: r.mapping, side: r.side, channel: r.channel ?? '' },
        })),
      },
    ),
  );
}

/** The whole page. `chartLibrary` is the charting library's browser build, inlined as is. */
export function renderDashboard(d: DashboardData, chartLibrary: string): string {
  chartSeq = 0;
  const reconcile = d.mappings.length
    ? d.mappings.map(mappingBlock).join('\n')
    : none(`No reconcile run in the last ${d.days} days.`);
  const sections = [
    section('reconcile', 'Reconcile: differences and control totals per night', reconcile),
    d.hasCauses ? causesSection(d) : '',
    queueSection(d),
    replaySection(d),
    rollbackSection(d),
    d.parity.length ? paritySection(d) : '',
  ].filter(Boolean);
  const nav = sections
    .map((s) => /<section id="([^"]+)"[^>]*><h2[^>]*>([^<]*)</.exec(s)!)
    .map((m) => `<a href="#${m[1]}">${m[2]}</a>`)
    .join(' · ');
  const script = (text: string) => `<script>${text.replace(/<\/(script)/gi, '<\\/$1')}</script>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cutover dashboard — ${esc(shortTime(d.generatedAt))}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
<h1>Cutover dashboard</h1>
<p>Generated ${esc(shortTime(d.generatedAt))} from the control store · runs of the last ${esc(String(d.days))} days (since ${esc(shortTime(d.since))}) · ${esc(num(d.nights.length))} night${d.nights.length === 1 ? '' : 's'}.</p>
<nav aria-label="Sections">${nav}</nav>
</header>
<main>
${sections.join('\n')}
</main>
${script(chartLibrary)}
${script(CLIENT_SCRIPT)}
</body>
</html>
`;
}

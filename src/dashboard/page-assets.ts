/** The dashboard page's style sheet and its small drawing script (plain browser JavaScript, inlined). */

/** Screen and print styles: a chart beside its table on screen, one under the other on paper. */
export const PAGE_STYLE = `
:root { --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --band: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: var(--ink); background: #fff; }
header { padding: 16px 24px 8px; border-bottom: 1px solid var(--line); }
h1 { font-size: 22px; margin: 0 0 4px; }
header p { margin: 0 0 6px; color: var(--muted); }
nav a { color: #0550ae; }
main { padding: 0 24px 24px; }
section { margin-top: 24px; }
h2 { font-size: 18px; border-bottom: 2px solid var(--ink); padding-bottom: 2px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.pair { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 16px; align-items: start; margin: 8px 0 16px; }
figure { margin: 0; }
figcaption { font-weight: 600; margin-bottom: 4px; }
.chart { position: relative; height: 280px; }
.table { overflow-x: auto; }
table { border-collapse: collapse; font-size: 12.5px; width: 100%; }
caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 6px; }
thead th { background: var(--band); text-align: right; }
thead th:first-child, tbody th { text-align: left; font-weight: normal; white-space: nowrap; }
td { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.facts { margin: 6px 0; }
.none { color: var(--muted); font-style: italic; }
@media (max-width: 900px) { .pair { grid-template-columns: 1fr; } }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { font-size: 10pt; }
  header, main { padding-left: 0; padding-right: 0; }
  nav { display: none; }
  section { break-before: auto; }
  h2, h3 { break-after: avoid; }
  .pair { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); break-inside: avoid; }
  .chart { height: 200px; }
  table { font-size: 8.5pt; }
  tr { break-inside: avoid; }
}
`;

/**
 * Draws every `canvas[data-spec]` with Chart.js (a ChartSpec as JSON in the attribute). Colours
 * are the Okabe–Ito palette (safe for colour-blind readers); severities keep fixed colours.
 * `data-charts` on <html> says how many charts were drawn.
 */
export const CLIENT_SCRIPT = `
(function () {
  'use strict';
  var palette = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];
  var fixed = { high: '#D55E00', medium: '#E69F00', low: '#56B4E9', failed: '#D55E00', parked: '#CC79A7' };
  var fmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
  var charts = [];
  Array.prototype.forEach.call(document.querySelectorAll('canvas[data-spec]'), function (canvas) {
    var s = JSON.parse(canvas.getAttribute('data-spec'));
    var index = s.horizontal ? 'y' : 'x';
    var value = s.horizontal ? 'x' : 'y';
    var datasets = s.datasets.map(function (d, i) {
      var color = fixed[d.label] || palette[i % palette.length];
      var line = (d.type || s.type) === 'line';
      return {
        label: d.label, data: d.data, type: d.type, stack: d.stack, yAxisID: s.horizontal ? undefined : d.yAxisID || 'y',
        backgroundColor: color, borderColor: color, borderWidth: line ? 2 : 0, pointRadius: 3, order: line ? 0 : 1
      };
    });
    var scales = {};
    scales[index] = { stacked: !!s.stacked, title: { display: true, text: s.horizontal ? s.y : s.x } };
    scales[value] = {
      stacked: !!s.stacked, beginAtZero: true,
      title: { display: true, text: s.horizontal ? s.x : s.y },
      ticks: { callback: function (v) { return fmt.format(v); } }
    };
    if (s.y2) scales.y2 = { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: s.y2 } };
    charts.push(new Chart(canvas, {
      type: s.type,
      data: { labels: s.labels, datasets: datasets },
      options: {
        indexAxis: index, responsive: true, maintainAspectRatio: false, animation: false,
        scales: scales, plugins: { legend: { position: 'bottom' } }
      }
    }));
  });
  window.addEventListener('beforeprint', function () { charts.forEach(function (c) { c.resize(); }); });
  window.addEventListener('afterprint', function () { charts.forEach(function (c) { c.resize(); }); });
  document.documentElement.setAttribute('data-charts', String(charts.length));
})();
`;

/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The dashboard in a real browser (Debian's Chromium, driven by playwright-core), offline: it is
 * built from the demo's control store (two nights, a replay, a rollback plan, an assigned item), opened
 * from file:// with every network request refused, and its figures are held up against
 * `runs list --json` and `exceptions list --json`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runCli } from '../../helpers/cli.js';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

interface RunJson {
  id: string;
  name: string | null;
  summary: { counts: Record<string, number> };
}
interface ItemJson {
  id: string;
  status: string;
  severity: string;
  assignee: string | null;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-dashboard-e2e-'));
const config = ['--config', path.join(dir, 'cutover.yaml')];
const file = path.join(dir, 'out', 'dashboard.html');
let browser: Browser;
let page: Page;
const requests: string[] = [];
const problems: string[] = [];
let manualItems = 0;

const cli = async (args: string[], code = 0) => {
  const r = await runCli([...args, ...config], { cwd: dir, timeoutMs: 240_000 });
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
  return r;
};

beforeAll(async () => {
  await cli(['demo', '--dir', dir, '--json']);
  const replay = (await cli(['runs', 'list', '--command', 'replay', '--json'])).json<{ items: RunJson[] }>()
    .items[0]!;
  const plan = await cli(['rollback', 'plan', '--run', replay.id, '--json']);
  manualItems = plan.json<{ counts: { manual: number } }>().counts.manual;
  const open = (await cli(['exceptions', 'list', '--status', 'open', '--json'])).json<{
    items: ItemJson[];
  }>();
  await cli(['exceptions', 'assign', open.items[0]!.id, open.items[1]!.id, '--to', 'ana', '--json']);
  const r = await cli(['dashboard', '--out', file, '--days', '7', '--json']);
  expect(r.json<{ sections: string[] }>().sections).toEqual([
    'reconcile',
    'causes',
    'queue',
    'replay',
    'rollback',
  ]);

  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const context = await browser.newContext({ offline: true });
  await context.route('**/*', (route) =>
    route.request().url() === pathToFileURL(file).href ? route.continue() : route.abort(),
  );
  page = await context.newPage();
  page.on('request', (req) => requests.push(req.url()));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('html[data-charts]');
});

afterAll(async () => {
  await browser?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The text of a table cell, digits ungrouped. */
async function cell(selector: string): Promise<number> {
  const text = await page.locator(selector).textContent();
  expect(text, selector).toMatch(/^-?[\d,]+(\.\d+)?$/);
  return Number(text!.replace(/,/g, ''));
}

describe('cutover dashboard in Chromium, offline', () => {
  it('renders from file:// without any network request, console error or warning', async () => {
    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(problems).toEqual([]);
    expect(fs.statSync(file).size).toBeLessThan(1_000_000);
    const html = fs.readFileSync(file, 'utf8');
    // No external URL at all, not even in a comment; no src or href but in-page anchors.
    expect(html.match(/https?:\/\/\S{0,40}/gi)).toBeNull();
    expect(html.match(/\b(?:src|href)\s*=\s*["']?[^"'#\s>][^"'\s>]{0,40}/gi)).toBeNull();
    expect(await page.title()).toMatch(/^Cutover dashboard/);
  });

  it('draws a chart in every section, each with a title, axis titles and a table of its figures beside it', async () => {
    const sections = await page.locator('main > section').evaluateAll((els) => els.map((e) => e.id));
    expect(sections).toEqual(['reconcile', 'causes', 'queue', 'replay', 'rollback']);
    const drawn = await page.evaluate(() => {
      const chartOf = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): unknown } }).Chart;
      return [...document.querySelectorAll('main > section')].map((s) => ({
        id: s.id,
        charts: [...s.querySelectorAll('canvas')].map((c) => {
          const chart = chartOf.getChart(c) as
            { options: { scales: Record<string, { title: { text: string } }> } } | undefined;
          const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          let inked = 0;
          for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) inked++;
          const title = document.getElementById(c.getAttribute('aria-labelledby')!)?.textContent ?? '';
          const table = document.getElementById(c.getAttribute('aria-describedby')!)?.querySelector('table');
          return {
            chart: Boolean(chart),
            inked,
            title,
            axes: chart ? Object.values(chart.options.scales).map((s) => s.title.text) : [],
            tableRows: table?.querySelectorAll('tbody tr').length ?? 0,
            caption: table?.querySelector('caption')?.textContent ?? '',
          };
        }),
      }));
    });
    for (const s of drawn) {
      expect(s.charts.length, s.id).toBeGreaterThan(0);
      for (const c of s.charts) {
        expect(c.chart, `${s.id}: ${c.title}`).toBe(true);
        expect(c.inked, `${s.id}: ${c.title}`).toBeGreaterThan(1000);
        expect(c.title).not.toBe('');
        expect(c.caption).not.toBe('');
        expect(c.tableRows, `${s.id}: ${c.title}`).toBeGreaterThan(0);
        expect(c.axes.length).toBeGreaterThanOrEqual(2);
        for (const a of c.axes) expect(a).not.toBe('');
      }
    }
    const total = drawn.reduce((n, s) => n + s.charts.length, 0);
    expect(await page.getAttribute('html', 'data-charts')).toBe(String(total));
  });

  it('shows the figures of `runs list --json`: differences per mapping and night, replay counts', async () => {
    const reconcile = (await cli(['runs', 'list', '--command', 'reconcile', '--json'])).json<{
      items: RunJson[];
    }>().items;
    expect(reconcile.length).toBe(6);
    for (const run of reconcile) {
      const row = `table[data-table="differences"] tr[data-run="${run.id}"][data-mapping="${run.name}"]`;
      for (const kind of ['mismatched', 'missingInCloud', 'missingInLegacy', 'duplicateKeys'])
        expect(await cell(`${row} td[data-key="${kind}"]`), `${run.id} ${kind}`).toBe(
          run.summary.counts[kind],
        );
    }
    const replay = (await cli(['runs', 'list', '--command', 'replay', '--json'])).json<{ items: RunJson[] }>()
      .items;
    expect(replay.length).toBe(1);
    for (const run of replay)
      for (const kind of ['read', 'applied', 'alreadyApplied', 'failed', 'parked'])
        expect(await cell(`table[data-table="replay"] tr[data-run="${run.id}"] td[data-key="${kind}"]`)).toBe(
          run.summary.counts[kind],
        );
  });

  it('shows the figures of `exceptions list --json`: backlog, aging by severity, assignees; and the plan’s manual items', async () => {
    const { total, items } = (await cli(['exceptions', 'list', '--json'])).json<{
      total: number;
      items: ItemJson[];
    }>();
    const backlog = items.filter((i) => i.status === 'open' || i.status === 'assigned');
    expect(backlog.length).toBeGreaterThan(0);
    expect(await cell('[data-figure="total"]')).toBe(total);
    expect(await cell('[data-figure="backlog"]')).toBe(backlog.length);
    // Everything was first seen minutes ago: all of it is in the youngest bucket.
    for (const severity of ['high', 'medium', 'low']) {
      const n = backlog.filter((i) => i.severity === severity).length;
      expect(await cell(`table[data-table="aging"] tr[data-bucket="0–1 d"] td[data-key="${severity}"]`)).toBe(
        n,
      );
      for (const bucket of ['1–3 d', '3–7 d', '> 7 d'])
        expect(
          await cell(`table[data-table="aging"] tr[data-bucket="${bucket}"] td[data-key="${severity}"]`),
        ).toBe(0);
      for (const who of ['ana', '(unassigned)'])
        expect(
          await cell(`table[data-table="assignees"] tr[data-assignee="${who}"] td[data-key="${severity}"]`),
        ).toBe(
          backlog.filter((i) => (i.assignee ?? '(unassigned)') === who && i.severity === severity).length,
        );
    }
    expect(backlog.filter((i) => i.assignee === 'ana').length).toBe(2);
    // The last night's backlog is the queue's backlog now.
    const last = page.locator('table[data-table="burn-down"] tbody tr').last();
    expect(Number((await last.locator('td[data-key="backlog"]').textContent())!.replace(/,/g, ''))).toBe(
      backlog.length,
    );
    expect(await cell('[data-figure="manual"]')).toBe(manualItems);
    expect(await page.locator('table[data-table="manual"] tbody tr').count()).toBe(manualItems);
  });

  it('refuses a folder as --out and a --days below 1 with exit 2, one paragraph and nothing written', async () => {
    const folder = await cli(['dashboard', '--out', path.join(dir, 'out')], 2);
    expect(folder.stderr).toMatch(/is a folder; a file name is needed/);
    expect(folder.stderr).not.toMatch(/\n\s+at /);
    const days = await cli(['dashboard', '--days', '0', '--out', path.join(dir, 'never.html')], 2);
    expect(days.stderr).toMatch(/--days/);
    expect(fs.existsSync(path.join(dir, 'never.html'))).toBe(false);
  });

  it('prints: the print style sheet keeps every chart and table on paper', async () => {
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format: 'A4', landscape: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const hidden = await page.evaluate(
      () =>
        [...document.querySelectorAll('canvas, table')].filter((e) => (e as HTMLElement).offsetWidth === 0)
          .length,
    );
    expect(hidden).toBe(0);
    expect(await page.locator('nav').isVisible()).toBe(false);
  });
});

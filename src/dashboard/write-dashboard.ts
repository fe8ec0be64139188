/**
 * `cutover dashboard`: collects the figures from the control store and writes the page, with the
 * charting library's browser build (Chart.js, from node_modules) inlined so it needs no network.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { ControlStore } from '../store/control-store.js';
import { writeAtomically } from '../reports/atomic-file.js';
import { collectDashboard } from './collect.js';
import { renderDashboard } from './render-html.js';

export interface DashboardOptions {
  out: string;
  days: number;
  now?: Date;
}

export interface DashboardResult {
  file: string;
  bytes: number;
  days: number;
  nights: number;
  mappings: string[];
  /** The page's sections, in order (causes and parity only when the store has them). */
  sections: string[];
}

/** Chart.js's minified browser build, without its source-map comment and with its banners' links as plain text. */
export async function chartLibrary(): Promise<string> {
  const main = createRequire(import.meta.url).resolve('chart.js');
  const text = await fs.readFile(path.join(path.dirname(main), 'chart.umd.min.js'), 'utf8');
  return text
    .replace(/^\/\/# sourceMappingURL=.*$/m, '')
    .replace(/\/\*![\s\S]*?\*\//g, (banner) => banner.replace(/https?:\/\//g, ''));
}

/** Writes the dashboard to `opts.out` (atomically) and says what it holds. */
export async function writeDashboard(store: ControlStore, opts: DashboardOptions): Promise<DashboardResult> {
  const data = await collectDashboard(store, { days: opts.days, now: opts.now });
  const html = renderDashboard(data, await chartLibrary());
  await writeAtomically(opts.out, (tmp) => fs.writeFile(tmp, html), 'dashboard.html');
  return {
    file: opts.out,
    bytes: Buffer.byteLength(html),
    days: opts.days,
    nights: data.nights.length,
    mappings: data.mappings.map((m) => m.name),
    sections: [...html.matchAll(/<section id="([^"]+)"/g)].map((m) => m[1]!),
  };
}

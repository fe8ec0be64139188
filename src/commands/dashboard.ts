import path from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { integerFlag } from '../cli/integer-flag.js';
import { writeDashboard } from '../dashboard/write-dashboard.js';

export default class Dashboard extends BaseCommand<typeof Dashboard> {
  static override summary = 'Write the cutover dashboard: one self-contained HTML page.';
  static override description =
    "Reads the control store and writes one HTML file that opens from disk with no network: per mapping and night the differences by kind and the absolute control-total variance, the causes (once runs are diagnosed), the exception backlog with its aging and burn-down, replay throughput and failures, the last rollback plan's manual items, and refund cycle time per side when a refunds mapping declares requested_at. Each chart has a table of its figures beside it; the page prints. By default the file is reports/dashboard.html.";
  static override examples = [
    '<%= config.bin %> dashboard',
    '<%= config.bin %> dashboard --out cutover.html --days 30',
  ];
  static override flags = {
    out: Flags.string({ char: 'o', description: 'write to this file instead of reports/dashboard.html' }),
    days: integerFlag({ description: 'runs started in the last N days', default: 14, min: 1, max: 3650 }),
  };

  async run() {
    const config = await this.cutoverConfig();
    const result = await writeDashboard(await this.controlStore(), {
      out: this.flags.out ?? path.join(config.reportsDir, 'dashboard.html'),
      days: this.flags.days,
    });
    const out = this.emit(
      result,
      () =>
        `Wrote ${result.file} (${Math.ceil(result.bytes / 1024)} KB): ${result.nights} night${result.nights === 1 ? '' : 's'} of ${result.mappings.length} mapping${result.mappings.length === 1 ? '' : 's'} over the last ${result.days} days; sections ${result.sections.join(', ')}.`,
    );
    return out;
  }
}

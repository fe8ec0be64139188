import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { UsageError } from '../errors.js';
import { rewriteRunReport } from '../reports/rewrite-run-report.js';
import { REPORT_FORMATS, type ReportFormat } from '../reports/formats.js';

export default class Report extends BaseCommand<typeof Report> {
  static override summary = "Write a stored reconcile run's report again.";
  static override description =
    'Reads the run and its differences from the control store and writes the Excel workbook, JSON, Markdown or CSV report. By default the file goes to reports/<RUN>/ (reconciliation.xlsx, reconciliation.json, reconciliation.md or differences.csv).';
  static override examples = [
    '<%= config.bin %> report r_20261126_0200_inventory',
    '<%= config.bin %> report r_20261126_0200_inventory --format md --out run.md',
    '<%= config.bin %> report r_20261126_0200_inventory --format md --out - | less',
  ];
  static override args = {
    run: Args.string({ description: 'the run id (see `cutover runs list`)', required: true }),
  };
  static override flags = {
    format: Flags.string({
      char: 'f',
      description: 'report format',
      options: [...REPORT_FORMATS],
      default: 'xlsx',
    }),
    out: Flags.string({
      char: 'o',
      description: 'write to this file instead of reports/<RUN>/; - prints it on stdout (md, json, csv)',
    }),
  };

  async run() {
    if (this.flags.out === '-' && this.flags.json)
      throw new UsageError(
        '--out - prints the report itself on stdout, so there is no room for --json there.',
        'Leave out --json (use --format json for the report as JSON), or give --out a file name.',
      );
    const result = await rewriteRunReport({
      config: await this.cutoverConfig(),
      store: await this.controlStore(),
      runId: this.args.run,
      format: this.flags.format as ReportFormat,
      out: this.flags.out,
      stdout: process.stdout,
    });
    for (const w of result.warnings) this.logger.warn(w);
    if (result.path === '-') return; // the report itself was the output
    const out = this.emit(result, () =>
      [
        `Wrote ${result.path}`,
        ...Object.values(result.also).map((p) => `Wrote ${p} (the complete detail)`),
      ].join('\n'),
    );
    return out;
  }
}

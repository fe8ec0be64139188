import path from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { UsageError } from '../../errors.js';
import { exportExceptions } from '../../exceptions/export.js';
import { filterFlags, filterFromFlags, sortFlags } from '../../cli/exception-flags.js';

export default class ExceptionsExport extends BaseCommand<typeof ExceptionsExport> {
  static override summary = 'Export queue items to Excel or CSV for finance (filters as in list).';
  static override description =
    'CSV cells that start with =, +, -, @, tab or carriage return get a leading apostrophe so a spreadsheet never runs them as formulas. The workbook keeps ERP values as text, freezes the header row and has an autofilter.';
  static override examples = [
    '<%= config.bin %> exceptions export --format xlsx --status open --status assigned',
    '<%= config.bin %> exceptions export --format csv --mapping refunds --out refunds-breaks.csv',
    '<%= config.bin %> exceptions export --status open --out - | head',
  ];
  static override flags = {
    ...filterFlags,
    limit: sortFlags.limit,
    format: Flags.string({
      options: ['xlsx', 'csv'],
      description: 'file format (default: from --out, else xlsx)',
    }),
    out: Flags.string({
      char: 'o',
      description: 'file to write (default: <reports>/exceptions-<time>.<format>); - prints CSV on stdout',
    }),
  };

  async run() {
    const toStdout = this.flags.out === '-';
    if (toStdout && this.flags.json)
      throw new UsageError(
        '--out - prints the export itself on stdout, so there is no room for --json there.',
        'Leave out --json, or give --out a file name.',
      );
    const format = (this.flags.format ??
      (toStdout || this.flags.out?.toLowerCase().endsWith('.csv') ? 'csv' : 'xlsx')) as 'csv' | 'xlsx';
    const stamp = new Date().toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '_');
    const out =
      this.flags.out ?? path.join((await this.cutoverConfig()).reportsDir, `exceptions-${stamp}.${format}`);
    const result = await exportExceptions(await this.controlStore(), {
      format,
      out,
      filter: filterFromFlags(this.flags, await this.cutoverConfig()),
      stdout: process.stdout,
    });
    if (toStdout) return; // the export itself was the output
    return this.emit(
      result,
      () => `Wrote ${result.rows} item${result.rows === 1 ? '' : 's'} to ${result.out}.`,
    );
  }
}

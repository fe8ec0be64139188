import fs from 'node:fs';
import { Flags } from '@oclif/core';
import { UsageError } from '../errors.js';
import { BaseCommand } from '../cli/base-command.js';
import { integerFlag } from '../cli/integer-flag.js';
import { runDemo, DEFAULT_SEED } from '../demo/run-demo.js';
import { renderDemo } from '../cli/render-demo.js';
import { createProgress } from '../reconcilers/progress.js';

export default class Demo extends BaseCommand<typeof Demo> {
  static override summary = 'Build a ready-to-run example on embedded SQLite and reconcile it.';
  static override description = `Creates a legacy ERP and a cloud ERP for a specialty retailer (300 stores, 2 distribution centres, a web shop and marketplaces) as SQLite files, with the faults real migrations hit planted in known numbers; writes cutover.yaml, commented mappings and last night's captured events; then reconciles inventory, refunds and postings and writes the Excel and JSON reports.
Running it again in the same folder rebuilds the databases and keeps the control store, so runs accumulate. The demo checks its own findings: exit code 0 means reconcile reported every planted fault exactly as planted (the differences are the point of the demo); 1 means it did not, and the output says which.`;
  static override examples = [
    '<%= config.bin %> demo',
    '<%= config.bin %> demo --dir /tmp/cutover-demo --scale 10',
    '<%= config.bin %> demo --seed 7 --json',
  ];
  static override flags = {
    dir: Flags.string({ char: 'd', description: 'folder to build the demo in', default: './cutover-demo' }),
    scale: Flags.string({
      description: 'size: 1 is ~31k inventory rows, 3k refunds, 1k journals; 10 is ~1M inventory rows',
      default: '1',
    }),
    seed: integerFlag({
      description: 'seed of the generator: the same seed builds the same data',
      default: DEFAULT_SEED,
      min: 0,
      max: 0xffffffff,
    }),
  };

  async run() {
    const json = this.flags.json;
    if (fs.existsSync(this.flags.dir) && !fs.statSync(this.flags.dir).isDirectory())
      throw new UsageError(
        `--dir ${this.flags.dir} is a file; the demo needs a folder to build in.`,
        'Give a new or existing folder, for example --dir ./cutover-demo.',
      );
    const result = await runDemo({
      dir: this.flags.dir,
      scale: Number(this.flags.scale),
      seed: this.flags.seed,
      logger: this.logger,
      progress: createProgress({ enabled: !json && Boolean(process.stderr.isTTY) }),
      onStep: json ? undefined : (text) => process.stderr.write(text + '\n'),
      root: this.config.root,
    });
    // The demo succeeds when reconcile finds exactly what was planted: differences are its point.
    if (Object.values(result.check).some((problems) => problems.length > 0)) this.exitStatus = 1;
    const out = this.emit(result, () => renderDemo(result));
    return out;
  }
}

import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { checkConfig, renderCheck } from '../../app/check-config.js';

export default class ConfigCheck extends BaseCommand<typeof ConfigCheck> {
  static override summary = 'Validate cutover.yaml and every mapping; with --connect, open each connection.';
  static override description =
    'The first command to run. Checks the configuration and all mapping files before any query runs; with --connect it also opens each connection, reports the server version, round-trip latency and whether it is read-only, and checks that every mapped table and column exists. Exits 2 when anything is wrong, after reporting every connection.';
  static override examples = [
    '<%= config.bin %> config check',
    '<%= config.bin %> config check --connect --json',
  ];
  static override flags = {
    connect: Flags.boolean({
      description:
        'also open each connection, report version, latency and read-only, and check mapped tables',
    }),
  };

  async run() {
    const config = await this.cutoverConfig();
    const { failure, ...result } = await checkConfig(config, {
      connect: this.flags.connect,
      logger: this.logger,
    });
    const out = this.emit(result, () => renderCheck(result));
    if (failure) this.failAlongsideResult(failure);
    return out;
  }
}

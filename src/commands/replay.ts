import path from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { integerFlag } from '../cli/integer-flag.js';
import { loadEventsMapping } from '../config/events-schema.js';
import { runReplay } from '../app/run-replay.js';
import { writeReplayReport } from '../replay/replay-report.js';
import { progressLine, renderReplay, replayJson } from '../replay/render.js';

export default class Replay extends BaseCommand<typeof Replay> {
  static override summary =
    'Apply captured events to the new system: once each, in order per key, resumable.';
  static override description =
    'Reads events from a .jsonl/.jsonl.gz file or CONNECTION:TABLE (an outbox table), and applies each one per the events mapping. Events with the same key apply strictly in occurredAt order; keys run concurrently. Each effect commits with its ledger row (cutover_replay_ledger in the target), so a crash neither loses nor doubles an event: resume with --resume RUN. Failures go to the exception queue and park the rest of their key. Ctrl-C (SIGINT) or SIGTERM stops taking new events, lets in-flight ones finish, records the run as interrupted and exits 130 (143 for SIGTERM). Exit 0 all applied, 1 any failed or parked, 2 bad input.';
  static override examples = [
    '<%= config.bin %> replay --events captured/2026-11-25.jsonl.gz',
    '<%= config.bin %> replay --events legacy:dbo.OUTBOX --target cloud --concurrency 16 --json',
    '<%= config.bin %> replay --events night.jsonl --resume p_20261126_0210',
  ];
  static override flags = {
    events: Flags.string({ required: true, description: 'a .jsonl or .jsonl.gz file, or CONNECTION:TABLE' }),
    mapping: Flags.string({ description: 'the events mapping (default: mappings/events.yaml)' }),
    target: Flags.string({ description: "the target connection (default: the mapping's `target`)" }),
    concurrency: integerFlag({
      default: 8,
      min: 1,
      max: 256,
      description: 'keys applied at the same time',
    }),
    rate: integerFlag({ min: 1, max: 1_000_000, description: 'cap in events per second' }),
    attempts: integerFlag({
      default: 5,
      min: 1,
      max: 50,
      description: 'tries per event for transient errors',
    }),
    group: integerFlag({
      min: 1,
      max: 1000,
      description:
        'events of different keys per database transaction (1: one transaction per event; default 2000 ÷ --concurrency, kept between 100 and 500)',
    }),
    timeout: integerFlag({
      default: 30_000,
      min: 100,
      max: 3_600_000,
      description: 'HTTP targets: milliseconds before a request counts as timed out (and is retried)',
    }),
    'dry-run': Flags.boolean({
      description: 'validate every event and show what would change; write nothing',
    }),
    resume: Flags.string({ description: 'continue an interrupted or crashed run (same --events source)' }),
  };

  async run() {
    const config = await this.cutoverConfig();
    const file = this.flags.mapping
      ? path.resolve(this.flags.mapping)
      : path.join(config.mappingsDir, 'events.yaml');
    const mapping = await loadEventsMapping(file, config);
    const store = await this.controlStore();
    const abort = new AbortController();
    // SIGTERM (systemd, Kubernetes, `timeout`) stops as Ctrl-C does, and exits 143 instead of 130.
    let stopCode = 130;
    const onStop = (sig: NodeJS.Signals) => {
      if (abort.signal.aborted) process.exit(stopCode);
      stopCode = sig === 'SIGTERM' ? 143 : 130;
      this.logger.warn(
        `interrupted (${sig}): finishing the events in flight (send it again to stop at once)`,
      );
      abort.abort();
    };
    process.on('SIGINT', onStop);
    process.on('SIGTERM', onStop);
    // Kept to the very end: a signal while the report is written or connections close must not kill
    // the process half-way (the run is recorded by then; a second signal still stops at once).
    process.once('exit', () => {
      process.off('SIGINT', onStop);
      process.off('SIGTERM', onStop);
    });
    const tty = Boolean(process.stderr.isTTY) && !this.flags.json;
    const result = await runReplay({
      config,
      store,
      mapping,
      events: this.flags.events,
      target: this.flags.target,
      concurrency: this.flags.concurrency,
      rate: this.flags.rate,
      attempts: this.flags.attempts,
      group: this.flags.group,
      dryRun: this.flags['dry-run'],
      resume: this.flags.resume,
      openAdapter: (name) => this.connection(name),
      logger: this.logger,
      signal: abort.signal,
      httpTimeoutMs: this.flags.timeout,
      onProgress: tty ? (p) => process.stderr.write(`\r${progressLine(p)}\u001b[K`) : undefined,
    });
    if (tty) process.stderr.write('\n');
    const reports = result.runId
      ? await this.reportAfterWork(`Replay ${result.runId}`, () =>
          writeReplayReport(config.reportsDir, result),
        )
      : undefined;
    const out = this.emit(replayJson(result, reports), () => renderReplay(result, reports));
    if (result.status === 'interrupted') this.exitStatus = stopCode;
    else if (result.counts.failed || result.counts.parked || (result.runId && !reports)) this.exitStatus = 1;
    return out;
  }
}

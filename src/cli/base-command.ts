import { Command, Flags, Errors, type Interfaces } from '@oclif/core';
import { CutoverError } from '../errors.js';
import { redact, redactDeep } from '../util/redact.js';
import { escapeControl } from '../util/terminal-text.js';
import { createLogger, type Logger } from '../util/logger.js';
import { loadConfig, type LoadedConfig } from '../config/load-config.js';
import { openControlStore, type ControlStore } from '../store/control-store.js';
import type { Adapter } from '../adapters/types.js';
import { driverWords, environmentDbCode } from '../adapters/db-errors.js';
import { guardStdStreams, isStdoutError, stdoutFailed } from './std-streams.js';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>;
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

/**
 * Every command's common flags (--config, --json, --debug, --log-file), its logger, its config, and
 * the mapping of errors to exit codes: 0 clean, 1 differences or failures, 2 bad input or
 * configuration (one paragraph, no stack trace unless --debug), 3 an internal error.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  /**
   * oclif's JSON mode: a command returns its typed result from run() and, under --json, oclif prints
   * it (through toSuccessJson/logJson below: redacted, plain). Our --json definition below is the one
   * shown in help.
   */
  static override enableJsonFlag = true;
  static override baseFlags = {
    config: Flags.string({
      char: 'c',
      description: 'path to cutover.yaml (default: ./cutover.yaml)',
      env: 'CUTOVER_CONFIG',
      helpGroup: 'GLOBAL',
    }),
    json: Flags.boolean({
      description: 'print the result as JSON on stdout (logs stay on stderr)',
      helpGroup: 'GLOBAL',
    }),
    debug: Flags.boolean({ description: 'verbose logs and stack traces', helpGroup: 'GLOBAL' }),
    'log-file': Flags.string({ description: 'also write JSON logs to this file', helpGroup: 'GLOBAL' }),
  };

  protected flags!: BaseFlags<T>;
  protected args!: BaseArgs<T>;
  protected logger!: Logger;
  /** Set by a command whose work ran and found differences or failures. */
  protected exitStatus = 0;
  private cleanups: (() => Promise<void> | void)[] = [];
  private loadedConfig?: LoadedConfig;
  private openedStore?: ControlStore;

  public override async init(): Promise<void> {
    guardStdStreams();
    await super.init();
    const { args, flags } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as unknown as typeof BaseCommand).baseFlags,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as BaseFlags<T>;
    this.args = args as BaseArgs<T>;
    this.logger = createLogger({ debug: this.flags.debug, logFile: this.flags['log-file'] });
  }

  /** The validated cutover.yaml, loaded once. */
  protected async cutoverConfig(): Promise<LoadedConfig> {
    this.loadedConfig ??= await loadConfig(this.flags.config);
    return this.loadedConfig;
  }

  /** The control store named in cutover.yaml, opened (and migrated) once, closed when the command ends. */
  protected async controlStore(): Promise<ControlStore> {
    if (!this.openedStore) {
      const config = await this.cutoverConfig();
      const store = await openControlStore(config.controlUrl, { logger: this.logger });
      this.openedStore = store;
      this.defer(() => store.close());
    }
    return this.openedStore;
  }

  /** Opens the named connection from cutover.yaml; it is closed when the command ends. */
  protected async connection(name: string): Promise<Adapter> {
    // Loaded here, not up front: the registry pulls in every driver, which `runs list` never needs.
    const { openConnection } = await import('../app/open-connection.js');
    const adapter = await openConnection(await this.cutoverConfig(), name, this.logger);
    this.defer(() => adapter.close());
    return adapter;
  }

  /** Registers a cleanup (close a connection) that runs however the command ends. */
  protected defer(fn: () => Promise<void> | void): void {
    this.cleanups.push(fn);
  }

  /** Whether the error object was printed on stdout under --json (once). */
  private errorPrinted = false;

  /**
   * Writes the report of work that has already committed (a replay, a rollback). If the report
   * cannot be written (a full disk, a folder in the way) the work still stands: that is said on
   * stderr and undefined comes back: the caller still prints its result and exits at least 1, so a
   * scheduler notices.
   */
  protected async reportAfterWork<T>(what: string, write: () => Promise<T>): Promise<T | undefined> {
    try {
      return await write();
    } catch (err) {
      this.warnReportNotWritten(what, err);
      return undefined;
    }
  }

  /** Says on stderr that recorded work stands though its report could not be written; exit at least 1. */
  protected warnReportNotWritten(what: string, err: unknown): void {
    const why = err instanceof CutoverError ? err.paragraph() : ((err as Error)?.message ?? String(err));
    process.stderr.write(
      `Warning: ${what} is done and recorded in the control store, but its report could not be written: ${redact(why)}\n`,
    );
    this.exitStatus = Math.max(this.exitStatus, 1);
  }

  /**
   * A command's result: returned from run() (oclif prints it as JSON on stdout under --json, after the
   * command's cleanups), else rendered for a person now.
   */
  protected emit<R>(result: R, human: () => string): R {
    if (!this.jsonEnabled()) {
      const text = escapeControl(redact(human()));
      if (text) process.stdout.write(text.endsWith('\n') ? text : text + '\n');
    }
    return result;
  }

  /** Under --json: the result as plain, redacted JSON (never colourised: schedulers parse it). */
  protected override toSuccessJson(result: unknown): unknown {
    return redactDeep(result);
  }

  protected override logJson(json: unknown): void {
    process.stdout.write(JSON.stringify(json, null, 2) + '\n');
  }

  /**
   * Work that produced a result and also a failure to report (config check: every connection listed,
   * one unreachable): the paragraph on stderr and its exit code, the result still printed.
   */
  protected failAlongsideResult(err: CutoverError): void {
    this.exitStatus = Math.max(this.exitStatus, err.exitCode);
    process.stderr.write(`Error: ${escapeControl(redact(err.paragraph()))}\n`);
    if (this.flags?.debug && err.stack) process.stderr.write(redact(err.stack) + '\n');
  }

  /**
   * Under --json a failure still prints one object on stdout (a scheduler parses it rather than
   * scraping stderr): `{ "status": "error", "exitCode", "error" }`, the same paragraph as stderr.
   */
  private emitError(paragraph: string, exitCode: number): void {
    if (!this.jsonEnabled() || this.errorPrinted) return;
    this.errorPrinted = true;
    process.stdout.write(JSON.stringify({ status: 'error', exitCode, error: paragraph }, null, 2) + '\n');
  }

  /**
   * Ends the command with `exitCode`: the paragraph on stderr (control characters escaped with
   * `escape`, for text that carries a value from the data), the same under --json on stdout, and the
   * stack when there is one to show (--debug).
   */
  private fail(exitCode: number, paragraph: string, opts: { escape?: boolean; stack?: string } = {}): void {
    this.exitStatus = exitCode;
    process.stderr.write(`Error: ${opts.escape ? escapeControl(paragraph) : paragraph}\n`);
    this.emitError(paragraph, exitCode);
    if (opts.stack) process.stderr.write(redact(opts.stack) + '\n');
  }

  protected override async catch(
    err: Error & { exitCode?: number; oclif?: { exit?: number } },
  ): Promise<void> {
    const debug = this.flags?.debug || process.env.DEBUG === '*' || process.argv.includes('--debug');
    const stack = debug ? err?.stack : undefined;
    // stdout failed under a write of the command's own (an export piped out): said where it failed
    // (std-streams.ts), nothing more here; a reader that went away is no error at all.
    if (isStdoutError(err)) return;
    if (err instanceof CutoverError)
      return this.fail(err.exitCode, redact(err.paragraph()), { escape: true, stack });
    if (err instanceof Errors.ExitError) {
      this.exitStatus = err.oclif.exit ?? 1;
      return;
    }
    if (err?.oclif !== undefined || err instanceof Errors.CLIError)
      // A flag or argument the parser refused: bad input.
      return this.fail(
        2,
        `${redact(parserMessage(err.message))} See \`cutover ${this.id?.replaceAll(':', ' ') ?? ''} --help\`.`,
      );
    const sys = err as NodeJS.ErrnoException;
    if (sys?.syscall && /^E[A-Z]+$/.test(sys.code ?? ''))
      // The file system refused (a file where a folder should be, no permission, a full disk): the
      // user's environment, not a fault in cutover.
      return this.fail(
        2,
        `${redact(`Cannot ${sys.syscall} ${sys.path ?? ''}`.trim())}: ${sys.code}. Check that path (a file where a folder is expected, permissions, free space) and run again.`,
        { stack },
      );
    const dbCode = environmentDbCode(err);
    if (dbCode)
      // A database refused for reasons of its machine or server (the control store's disk filled up
      // in the middle of a run, its file is damaged, the server went away): the user's environment.
      return this.fail(
        2,
        `${redact(driverWords(err, dbCode))}. A database cutover uses (the control store in cutover.yaml, or a connection) refused to go on: check its free space, that it is writable and undamaged, and that its server is reachable, then run again.`,
        { escape: true, stack },
      );
    this.fail(
      3,
      `${redact(err?.message ?? String(err))} This is a fault in cutover, not in your input; run again with --debug and report the output.`,
      { stack },
    );
  }

  protected override async finally(err: Error | undefined): Promise<void> {
    for (const fn of this.cleanups.reverse()) {
      try {
        await fn();
      } catch (cleanupError) {
        this.logger?.debug({ err: cleanupError }, 'cleanup failed');
      }
    }
    this.logger?.flush?.();
    process.exitCode = stdoutFailed() ? Math.max(this.exitStatus, 2) : this.exitStatus;
    await super.finally(err);
  }
}

/**
 * oclif's parser message as one paragraph: "Parsing --concurrency\n\tExpected an integer …\nSee more
 * help with --help" becomes "--concurrency: expected an integer …." (the caller adds the help hint).
 */
export function parserMessage(message: string): string {
  const m = message
    .replace(/\s*See more help with --help\.?\s*$/i, '')
    .replace(/^The following errors? occurred:\s*/i, '')
    .replace(
      /^Parsing (--[\w-]+)\s*\n\s*(\w)/,
      (_all, flag: string, first: string) => `${flag}: ${first.toLowerCase()}`,
    )
    .replace(
      /Missing required flags? ([a-z][\w-]*)/gi,
      (_all, flag: string) => `Missing required flag --${flag}`,
    );
  const one = m
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
  return /[.!?]$/.test(one) ? one : `${one}.`;
}

/**
 * The small set of user-facing errors. Each carries a message that says what is wrong and a hint
 * that says how to fix it; the CLI prints them as one paragraph and exits with code 2.
 */
export class CutoverError extends Error {
  readonly exitCode: number = 2;
  constructor(
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  /** The one paragraph a user sees. */
  paragraph(): string {
    return this.hint ? `${this.message} ${this.hint}` : this.message;
  }
}

/** cutover.yaml is missing, unreadable or invalid. */
export class ConfigError extends CutoverError {}
/** A mapping file is invalid or does not fit the data. */
export class MappingError extends CutoverError {}
/** A connection could not be opened, or a query failed because of the connection's setup. */
export class ConnectionError extends CutoverError {}
/** Data that cannot be processed as declared (a table or column that does not exist, an unparseable value). */
export class DataError extends CutoverError {}
/** A command was called with arguments that make no sense (unknown run, refused transition). */
export class UsageError extends CutoverError {}

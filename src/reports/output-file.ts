import fs from 'node:fs';
import { once } from 'node:events';

/**
 * A file a report is streamed to (a CSV export, an Excel workbook, a run's differences.jsonl), which keeps its first error
 * and names the file in it. A write's error from Node names no file, so a full disk read "Cannot
 * write: ENOSPC" with no path; and ExcelJS listens for its output stream's errors only inside
 * `commit()`: a write that failed before (a full disk part-way through a large sheet) was lost, and
 * `commit()` never settled, so the process ended with Node's exit code 13 and no paragraph. Here
 * `check` throws the error as rows are added (the output stops there), and `write`, `push`, `end`
 * and `commit` fail with it, for the caller's file-system paragraph (atomic-file.ts).
 */
export class OutputFile {
  readonly stream: fs.WriteStream;
  private readonly name: string;
  private error: Error | undefined;
  private readonly failed: Promise<never>;

  /**
   * `name`: the file its errors name, when `file` is a temporary one that becomes it (else `file`);
   * `highWaterMark`: the bytes `push` buffers before it waits for the disk.
   */
  constructor(
    file: string,
    opts: { name?: string; highWaterMark?: number } = {},
  ) {
    this.name = opts.name ?? file;
    this.stream = fs.createWriteStream(file, opts.highWaterMark ? { highWaterMark: opts.highWaterMark } : {});
    this.failed = new Promise<never>((_, reject) =>
      this.stream.on('error', (err: NodeJS.ErrnoException) => {
        this.error ??= this.named(err);
        reject(err);
      }),
    );
    // Awaited by write, push, end and commit (or thrown by check): never unhandled.
    this.failed.catch(() => undefined);
  }

  /** A write's error names no file: this one's, so the caller can say which. */
  private named(err: NodeJS.ErrnoException): NodeJS.ErrnoException {
    if (err.syscall && err.path === undefined) err.path = this.name;
    return err;
  }

  /** Throws the file's error once there is one. Cheap: call it per row. */
  check(): void {
    if (this.error) throw this.error;
  }

  /** Writes `text`, once the stream has taken it, or fails with the file's error. */
  async write(text: string): Promise<void> {
    this.check();
    await Promise.race([
      this.failed,
      new Promise<void>((resolve, reject) => this.stream.write(text, (err) => (err ? reject(this.named(err)) : resolve()))),
    ]);
  }

  /**
   * Writes `text` without waiting for the disk unless the stream's buffer is full (then until it
   * drains), or fails with the file's error: for many writes (a row each, or a batch of lines).
   */
  async push(text: string | Uint8Array): Promise<void> {
    this.check();
    if (!this.stream.write(text)) await Promise.race([this.failed, once(this.stream, 'drain')]);
  }

  /** Ends the file (everything written and closed), or fails with its error. */
  async end(): Promise<void> {
    this.check();
    await Promise.race([
      this.failed,
      new Promise<void>((resolve, reject) =>
        this.stream.end((err?: Error | null) => (err ? reject(this.named(err)) : resolve())),
      ),
    ]);
  }

  /** Commits a workbook written to `stream`, or fails with the file's error, whichever comes first. */
  async commit(workbook: { commit(): Promise<unknown> }): Promise<void> {
    this.check();
    await Promise.race([this.failed, workbook.commit()]);
  }
}

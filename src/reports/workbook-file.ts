import fs from 'node:fs';

/**
 * The file a streaming workbook is written to. ExcelJS listens for its output stream's errors only
 * inside `commit()`: a write that failed before (a full disk part-way through a large sheet) was
 * lost, and `commit()` never settled, so the process ended with Node's exit code 13 and no
 * paragraph. This opens the stream itself and keeps its first error: `check` throws it as rows are
 * added (the sheet stops there) and `commit` fails with it, for the caller's file-system paragraph.
 */
export class WorkbookFile {
  readonly stream: fs.WriteStream;
  private error: Error | undefined;
  private readonly failed: Promise<never>;

  constructor(file: string) {
    this.stream = fs.createWriteStream(file);
    this.failed = new Promise<never>((_, reject) =>
      this.stream.on('error', (err: NodeJS.ErrnoException) => {
        // A write's error names no file: this one's, so the caller can say which (atomic-file.ts).
        if (err.syscall && err.path === undefined) err.path = file;
        this.error ??= err;
        reject(err);
      }),
    );
    // Awaited by commit (or thrown by check): never unhandled.
    this.failed.catch(() => undefined);
  }

  /** Throws the file's error once there is one. Cheap: call it per row. */
  check(): void {
    if (this.error) throw this.error;
  }

  /** Commits the workbook, or fails with the file's error, whichever comes first. */
  async commit(workbook: { commit(): Promise<unknown> }): Promise<void> {
    this.check();
    await Promise.race([this.failed, workbook.commit()]);
  }
}

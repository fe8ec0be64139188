/** The slice of a tedious Request that flow control needs. */
export interface PausableSource {
  pause(): void;
  resume(): void;
}

/**
 * Turns a push source of rows (tedious' `row` events) into pulled batches with backpressure: the
 * source is paused once a batch and a half is waiting and resumed when the consumer has taken
 * enough, so memory stays bounded by the batch size whatever the table size.
 */
export class RowQueue<T> {
  private readonly queue: T[] = [];
  private done = false;
  private failure: unknown;
  private paused = false;
  private wake?: () => void;

  constructor(
    private readonly source: PausableSource,
    private readonly size: number,
  ) {}

  /** Adds a row (from the source's row event). */
  push(row: T): void {
    this.queue.push(row);
    if (!this.paused && this.queue.length >= this.size * 1.5) {
      this.paused = true;
      this.source.pause();
    }
    if (this.queue.length >= this.size) this.wake?.();
  }

  /** Marks the end of the rows, or a failure. */
  finish(err?: unknown): void {
    if (err) this.failure = err;
    this.done = true;
    this.wake?.();
  }

  /** Rows waiting (for tests and diagnostics). */
  get length(): number {
    return this.queue.length;
  }

  /** Yields batches of up to `size` rows until the source is done; throws its failure. */
  async *batches(): AsyncGenerator<T[]> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.queue.length >= this.size || (this.done && this.queue.length > 0)) {
        const batch = this.queue.splice(0, this.size);
        if (this.paused && this.queue.length < this.size) {
          this.paused = false;
          this.source.resume();
        }
        yield batch;
        continue;
      }
      if (this.done) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

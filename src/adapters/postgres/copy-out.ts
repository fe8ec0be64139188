/**
 * `COPY ... TO STDOUT` read straight off the connection's socket. While the copy runs, the socket's
 * bytes come here instead of to pg's message parser: the CopyData payloads of each chunk are moved
 * to the chunk's front and handed on as one buffer, so a million rows cost no million message
 * objects. At CopyDone (or an ErrorResponse) the socket goes back to pg with the bytes that follow,
 * and pg reads the CommandComplete, ReadyForQuery or error as for any query. Protocol:
 * https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-COPY
 */
import type pg from 'pg';
import { CopyFormatError } from './copy-text-parser.js';

const COPY_DATA = 0x64; // 'd'
const COPY_DONE = 0x63; // 'c'
const ERROR_RESPONSE = 0x45; // 'E'
/** Messages the server may send before or between CopyData: the CopyOutResponse, notices, settings. */
const SKIPPED = new Set([0x48 /* H */, 0x4e /* N */, 0x53 /* S */, 0x41 /* A */]);

/** What `CopyFrames.scan` found in a chunk. */
export interface Scanned {
  /** The chunk's first `bytes` bytes now hold its CopyData payloads, in order. */
  bytes: number;
  /** Where the copy's part of the chunk ends (the rest is pg's), or -1 when the copy goes on. */
  stop: number;
  /** Why it stopped: CopyDone (`stop` is just after it), or a message that is pg's (`stop` is at it). */
  end?: 'done' | 'error' | 'unexpected';
}

/** The CopyData payloads of a stream of protocol bytes, chunk by chunk (messages may span chunks). */
export class CopyFrames {
  /** Header bytes of a message whose header spans chunks. */
  private readonly head = new Uint8Array(5);
  private headHave = 0;
  /** Body bytes of the current message still to come, and whether they are CopyData. */
  private left = 0;
  private data = false;

  /** Moves the CopyData payloads of `chunk` to its front, in place (see Scanned). */
  scan(chunk: Uint8Array): Scanned {
    const len = chunk.length;
    let i = 0;
    let w = 0;
    while (i < len) {
      if (this.left > 0) {
        const n = Math.min(this.left, len - i);
        if (this.data) {
          // TypedArray#copyWithin, not Buffer#copy: a builtin, not a call into C++ (~4× faster per row).
          if (w !== i) chunk.copyWithin(w, i, i + n);
          w += n;
        }
        i += n;
        this.left -= n;
        continue;
      }
      let type: number;
      let size: number;
      if (this.headHave === 0) {
        type = chunk[i]!;
        if (type === ERROR_RESPONSE) return { bytes: w, stop: i, end: 'error' };
        if (type !== COPY_DATA && type !== COPY_DONE && !SKIPPED.has(type))
          return { bytes: w, stop: i, end: 'unexpected' };
      }
      if (this.headHave === 0 && i + 5 <= len) {
        type = chunk[i]!;
        size = ((chunk[i + 1]! << 24) | (chunk[i + 2]! << 16) | (chunk[i + 3]! << 8) | chunk[i + 4]!) >>> 0;
        i += 5;
      } else {
        while (this.headHave < 5 && i < len) this.head[this.headHave++] = chunk[i++]!;
        if (this.headHave < 5) break;
        this.headHave = 0;
        const h = this.head;
        type = h[0]!;
        size = ((h[1]! << 24) | (h[2]! << 16) | (h[3]! << 8) | h[4]!) >>> 0;
      }
      if (size < 4)
        throw new CopyFormatError(
          `COPY message of type ${String.fromCharCode(type)} has a length of ${size}`,
        );
      if (type === COPY_DONE) {
        if (size !== 4) throw new CopyFormatError(`COPY's CopyDone has a length of ${size}`);
        return { bytes: w, stop: i, end: 'done' };
      }
      this.data = type === COPY_DATA;
      this.left = size - 4;
    }
    return { bytes: w, stop: -1 };
  }
}

/** pg's connection, as far as this module uses it. */
interface Connection {
  stream: NodeJS.ReadableStream & NodeJS.EventEmitter;
  query(text: string): void;
  sendCopyFail(message: string): void;
}

type OnData = (chunk: Buffer) => void;

/** Socket chunks held before the socket is paused until the reader catches up. */
const HELD_MAX = 4;

/**
 * One COPY ... TO STDOUT, run by `client.query(new CopyOut(sql))` and read with `for await`: buffers
 * of whole CopyData payloads (for COPY text, lines; a line may span two buffers). The iteration ends
 * once the server is ready for the next query, and throws what the server or the connection raised.
 * Notices and setting reports the server sends during the copy are skipped, as pg-copy-streams
 * skipped them: `client.on('notice')` does not see them.
 */
export class CopyOut implements pg.Submittable, AsyncIterable<Buffer> {
  private readonly frames = new CopyFrames();
  private readonly held: Buffer[] = [];
  private stream: Connection['stream'] | undefined;
  private pgOnData: OnData | undefined;
  private paused = false;
  private failure: unknown;
  private finished = false;
  private wake: (() => void) | undefined;
  /** Set by pg when the query has a timeout (`query_timeout`): called when the query ends, it clears it. */
  callback?: (err: Error | null) => void;
  private readonly onData: OnData = (chunk) => {
    let scanned: Scanned;
    try {
      scanned = this.frames.scan(chunk);
    } catch (err) {
      // The connection is past saving: pg would read the rest as garbage. The caller drops it.
      this.stream?.removeListener('data', this.onData);
      this.fail(err);
      return;
    }
    // Outside the try: what pg (or a listener of its) throws while it reads the rest is not the copy's.
    this.take(chunk, scanned);
  };

  constructor(private readonly text: string) {}

  /** Called by pg when the query's turn comes (an error returned is handed to handleError). */
  submit(connection: pg.Connection): Error | undefined {
    const conn = connection as unknown as Connection;
    const stream = conn.stream;
    const listeners = stream.listeners('data');
    if (listeners.length !== 1)
      return new CopyFormatError(`the connection has ${listeners.length} data listeners, expected pg's one`);
    this.stream = stream;
    this.pgOnData = listeners[0] as OnData;
    stream.removeListener('data', this.pgOnData);
    stream.on('data', this.onData);
    conn.query(this.text);
    return undefined;
  }

  private take(chunk: Buffer, { bytes, stop, end }: Scanned): void {
    if (bytes > 0) this.held.push(chunk.subarray(0, bytes));
    if (end) {
      if (end === 'unexpected')
        this.fail(
          new CopyFormatError(
            `COPY output was interrupted by a message of type ${String.fromCharCode(chunk[stop]!)}`,
          ),
        );
      this.handBack(chunk, stop);
    } else if (this.held.length >= HELD_MAX && !this.paused) {
      this.paused = true;
      this.stream!.pause();
    }
    this.wakeUp();
  }

  /** The socket back to pg, with the bytes from `stop` on. */
  private handBack(chunk: Buffer, stop: number): void {
    const stream = this.stream!;
    const pgOnData = this.pgOnData!;
    stream.removeListener('data', this.onData);
    stream.on('data', pgOnData);
    if (stop < chunk.length) pgOnData(chunk.subarray(stop));
    if (this.paused) {
      this.paused = false;
      stream.resume();
    }
  }

  private fail(err: unknown): void {
    this.failure ??= err;
    this.wakeUp();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  // pg's calls once the socket is back in its hands.
  handleError(err: Error): void {
    this.fail(err);
    this.callback?.(err);
  }

  handleReadyForQuery(): void {
    this.finished = true;
    this.wakeUp();
    this.callback?.(null);
  }

  handleCommandComplete(): void {}

  handleEmptyQuery(): void {}

  handleRowDescription(): void {}

  handleDataRow(): void {}

  handlePortalSuspended(): void {}

  /** A statement that wants data from us (COPY FROM) is refused, as pg refuses it without a source. */
  handleCopyInResponse(connection: pg.Connection): void {
    (connection as unknown as Connection).sendCopyFail('cutover reads with COPY ... TO STDOUT only');
  }

  handleCopyData(): void {}

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      const chunk = this.held.shift();
      if (chunk) {
        if (this.paused && this.held.length <= 1) {
          this.paused = false;
          this.stream!.resume();
        }
        yield chunk;
        continue;
      }
      if (this.finished) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

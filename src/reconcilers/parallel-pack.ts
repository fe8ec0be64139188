/**
 * Encodes canonical rows straight to the held-line bytes of an EncodedBatch, without building a
 * string per line: the bytes, and the partition of each row, are exactly those of `lineEncoder`
 * (held-row.ts) + `partitionOfKey` + `packBatch` (a unit test checks it), at a fraction of the
 * allocations. Used by the reader threads, where this encoding is the largest cost after parsing.
 */
import type { Mapping } from '../config/mapping-schema.js';
import {
  hashBytes,
  hashStart,
  heldLayout,
  mixHash,
  NEEDS_ESCAPE,
  PARTITIONS,
  type EncodedBatch,
} from './held-row.js';
import type { ByteLane } from './normalize.js';
import type { CanonicalRow, CanonicalValue } from './types.js';
import { decimalFieldEnd, writeDecimalField } from '../util/exact-decimal.js';

const NULL_BYTES = [110, 117, 108, 108];
/** A partition's first buffer: a batch of 5,000 rows of ~60 bytes puts ~1.2 KB in each. */
const PART_START_BYTES = 4096;
/** The scratch buffer's size (a key part, or a whole line written by `add`). */
const SCRATCH_BYTES = 1 << 16;
/** A partition's or the scratch's buffer larger than this is dropped at `take`. */
const KEEP_MAX_BYTES = 1 << 20;

interface Utf8Writable extends Buffer {
  utf8Write(s: string, offset: number): number;
}

interface Latin1Readable extends Buffer {
  latin1Slice(start: number, end: number): string;
}

/** What a line's field holds when it is `\N`, the NULL of a text line. */
const isNullField = (src: Buffer, s: number, e: number) => e - s === 2 && src[s] === 92 && src[s + 1] === 78;

/** Spare batch buffers kept, at most: the batches a reader may have in flight, and one more. */
const SPARE_BATCH_BUFFERS = 9;
/** The largest batch buffer kept: one grown for a batch of very wide rows is let go, as the packer's own. */
const KEEP_BATCH_BUFFER_MAX = 4 * 1024 * 1024;
/** A new batch buffer's size is rounded up to this, so that later batches, a little larger, fit. */
const BATCH_BUFFER_STEP = 64 * 1024;

/**
 * The buffers a reader thread packs its batches into: those the main thread handed back once it had
 * stored their lines, else new ones. A buffer the kernel has not given out yet costs a page fault per
 * 4 KB when first written, ~11 µs each on these machines: a read of 1M rows (~70 MB of batches a
 * side) paid ~0.2 s of a reader's time for pages it could have had back.
 */
export class BatchBuffers {
  private readonly free: ArrayBuffer[] = [];

  /**
   * A buffer handed back. One over KEEP_BATCH_BUFFER_MAX is let go; when all the spares are kept, it
   * takes the place of the smallest if it is larger (batches that grew find room again).
   */
  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength > KEEP_BATCH_BUFFER_MAX) return;
    if (this.free.length < SPARE_BATCH_BUFFERS) {
      this.free.push(buffer);
      return;
    }
    let smallest = 0;
    for (let i = 1; i < this.free.length; i++)
      if (this.free[i]!.byteLength < this.free[smallest]!.byteLength) smallest = i;
    if (buffer.byteLength > this.free[smallest]!.byteLength) this.free[smallest] = buffer;
  }

  /** `n` bytes at the start of a buffer of their own (the whole buffer is what is transferred): the smallest spare they fit in, else a new one. */
  take(n: number): Buffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const len = this.free[i]!.byteLength;
      if (len >= n && (best < 0 || len < this.free[best]!.byteLength)) best = i;
    }
    if (best >= 0) {
      const ab = this.free[best]!;
      this.free[best] = this.free[this.free.length - 1]!;
      this.free.pop();
      return Buffer.from(ab, 0, n);
    }
    const size = Math.ceil(n / BATCH_BUFFER_STEP) * BATCH_BUFFER_STEP;
    return Buffer.allocUnsafeSlow(size).subarray(0, n);
  }
}

/** Packs canonical rows of one side into EncodedBatches. */
export class RowPacker {
  /** The line being written by `add` (from 0), and the key part of one written by `addLine`. */
  private buf = Buffer.allocUnsafe(SCRATCH_BYTES) as Utf8Writable;
  private pos = 0;
  /**
   * Each partition's lines since the last take, and their bytes: a line goes straight to its
   * partition once its key is hashed, so `take` moves whole partitions, not lines.
   */
  private readonly parts: (Buffer | undefined)[] = [];
  private readonly partEnd = new Uint32Array(PARTITIONS);
  private rows = 0;
  private hash = 0;
  private readonly keyFields: string[];
  private readonly groups: { fields: string[]; escape: boolean[]; lanes: ByteLane[] }[];
  /** addLine: each column's start and end in the line, and the bytes a line may grow by at most. */
  private readonly colStart: Int32Array;
  private readonly colEnd: Int32Array;
  private readonly slack: number;
  /**
   * The columns a held line writes again after their first time (a column feeding two fields, a
   * field the key lists twice): the line's own length counts each column once.
   */
  private readonly repeats: number[];
  /**
   * Whether the written lanes read the line's columns in order, each once and all of them: the
   * side's fields are listed with the key's first, in the key's order, and the fields not compared
   * last, each on a column of its own. addLine then writes each field as it finds its end, in one
   * pass over the line (addInOrder), for any line that fits the scratch buffer.
   */
  readonly inOrder: boolean;

  /**
   * `lanes`: the side's ByteLanes (SideNormalizer.lanes), for addLine; `buffers`: where batches are
   * packed (else each in a new buffer).
   */
  constructor(
    mapping: Mapping,
    lanes?: Record<string, ByteLane>,
    columnCount = 0,
    private readonly buffers?: BatchBuffers,
  ) {
    const { keyFields, cmpFields, carryFields } = heldLayout(mapping);
    this.keyFields = keyFields;
    this.groups = [keyFields, cmpFields, carryFields].map((fields) => ({
      fields,
      escape: fields.map((f) => mapping.fields[f]!.type === 'string'),
      lanes: lanes ? fields.map((f) => lanes[f]!) : [],
    }));
    this.colStart = new Int32Array(columnCount);
    this.colEnd = new Int32Array(columnCount);
    const written = this.groups.flatMap((g) => g.lanes);
    this.repeats = written.map((l) => l.column).filter((c, i, all) => all.indexOf(c) < i);
    this.inOrder =
      written.length > 0 && written.length === columnCount && written.every((l, i) => l.column === i);
    // Per value written: two quotes, a comma, "null" for a 2-byte \N, and the zeros a decimal is
    // padded with; per line: the mark, three pairs of brackets, two tabs and the newline.
    this.slack = 10 + written.reduce((n, l) => n + 6 + l.scale, 0);
  }

  /**
   * Appends one row straight from a text line (Adapter.readLines' format), `src[from, to)` without
   * its newline, when every value is plain for its lane: ASCII text without a control character,
   * quote or backslash, and numbers `plainDecimalAtScale` takes. These are exactly the values
   * `normalize` + `add` would write unchanged, so the bytes are the same. Returns false, having added
   * nothing, for any other line: the caller parses and normalizes it. With `row`, the row's canonical
   * values are also set there (for the run's taps): the text each value was written as; after false,
   * `row` holds only some of them and is to be dropped.
   */
  addLine(src: Buffer, from: number, to: number, row?: CanonicalRow): boolean {
    // The one pass writes the key part to the scratch before it knows the key's size: only a line
    // that fits it takes that pass, so a huge line does not grow the scratch to its own size.
    if (this.inOrder && to - from + this.slack < this.buf.length) return this.addInOrder(src, from, to, row);
    const cols = this.colStart.length;
    const colStart = this.colStart;
    const colEnd = this.colEnd;
    let c = 0;
    colStart[0] = from;
    for (let i = from; i < to; i++)
      if (src[i] === 9) {
        if (++c === cols) return false;
        colEnd[c - 1] = i;
        colStart[c] = i + 1;
      }
    if (c !== cols - 1) return false;
    colEnd[c] = to;
    // The most this line can write: its own bytes, those of each column written again, the slack.
    let need = to - from + this.slack;
    for (const c of this.repeats) need += colEnd[c]! - colStart[c]!;
    // The scratch holds only the key part: its columns' bytes, and per value its slack.
    let keyNeed = 4;
    for (const k of this.groups[0]!.lanes) keyNeed += colEnd[k.column]! - colStart[k.column]! + 6 + k.scale;
    this.pos = 0;
    this.room(keyNeed);
    // The key part is written here first; once hashed, it and the rest go to the partition.
    let buf: Buffer = this.buf;
    let pos = 0;
    let part = 0;
    for (const k of this.groups[0]!.lanes)
      if (isNullField(src, colStart[k.column]!, colEnd[k.column]!)) {
        buf[pos++] = 33;
        break;
      }
    const keyStart = pos;
    let keyEnd = pos;
    for (let g = 0; g < 3; g++) {
      if (g > 0) buf[pos++] = 9;
      buf[pos++] = 91;
      const { lanes, fields } = this.groups[g]!;
      for (let f = 0; f < lanes.length; f++) {
        if (f > 0) buf[pos++] = 44;
        const lane = lanes[f]!;
        let s = colStart[lane.column]!;
        let e = colEnd[lane.column]!;
        if (isNullField(src, s, e)) {
          buf[pos++] = 110;
          buf[pos++] = 117;
          buf[pos++] = 108;
          buf[pos++] = 108;
          if (row) row[fields[f]!] = null;
          continue;
        }
        if (lane.trim) {
          while (s < e && src[s] === 32) s++;
          while (e > s && src[e - 1] === 32) e--;
        }
        buf[pos++] = 34;
        const valueStart = pos;
        if (lane.kind === 'text') {
          for (let i = s; i < e; i++) {
            const b = src[i]!;
            if (b < 0x20 || b === 34 || b === 92 || b >= 0x80) return false;
            buf[pos++] = b;
          }
        } else {
          pos = writeDecimalField(src, s, e, lane.scale, false, buf, pos);
          if (pos < 0) return false;
        }
        // The canonical value is the ASCII text just written.
        if (row) row[fields[f]!] = (buf as Buffer as Latin1Readable).latin1Slice(valueStart, pos);
        buf[pos++] = 34;
      }
      buf[pos++] = 93;
      if (g === 0) {
        // The key part is hashed as `add` hashes it, byte by byte (ASCII: a byte is a UTF-16 unit).
        keyEnd = pos;
        part = mixHash(hashBytes(buf, keyStart, keyEnd, hashStart(0))) % PARTITIONS;
        const key = buf;
        buf = this.partRoom(part, need);
        pos = this.partEnd[part]!;
        for (let k = 0; k < keyEnd; k++) buf[pos++] = key[k]!;
      }
    }
    buf[pos++] = 10;
    this.partEnd[part] = pos;
    this.rows++;
    return true;
  }

  /**
   * addLine when the lanes read the columns in order: one pass, each field written as its end is
   * found, no table of where the columns are. The same bytes, and the same refusals: a field too
   * few or too many, a value not plain for its lane. The line, and so its key part, fits the
   * scratch buffer (addLine sees to it).
   */
  private addInOrder(src: Buffer, from: number, to: number, row?: CanonicalRow): boolean {
    const need = to - from + this.slack;
    this.pos = 0;
    // The key part goes to the scratch from 1: 0 is for the mark of a NULL key part.
    let buf: Buffer = this.buf;
    let pos = 1;
    let p = from;
    let nullKey = false;
    let part = 0;
    let keyEnd = 0;
    for (let g = 0; g < 3; g++) {
      if (g > 0) buf[pos++] = 9;
      buf[pos++] = 91;
      const { lanes, fields } = this.groups[g]!;
      for (let f = 0; f < lanes.length; f++) {
        if (f > 0) buf[pos++] = 44;
        // Every field but the line's first starts after a tab: where the last one stopped.
        if (g + f > 0 && p++ === to) return false;
        const lane = lanes[f]!;
        if (p + 1 < to && src[p] === 92 && src[p + 1] === 78 && (p + 2 === to || src[p + 2] === 9)) {
          buf[pos++] = 110;
          buf[pos++] = 117;
          buf[pos++] = 108;
          buf[pos++] = 108;
          if (g === 0) nullKey = true;
          if (row) row[fields[f]!] = null;
          p += 2;
          continue;
        }
        buf[pos++] = 34;
        const valueStart = pos;
        if (lane.kind === 'text') {
          if (lane.trim) while (p < to && src[p] === 32) p++;
          while (p < to) {
            const b = src[p]!;
            if (b < 0x20 || b === 34 || b === 92 || b >= 0x80) {
              if (b === 9) break;
              return false;
            }
            buf[pos++] = b;
            p++;
          }
          if (lane.trim) while (pos > valueStart && buf[pos - 1] === 32) pos--;
        } else {
          pos = writeDecimalField(src, p, to, lane.scale, lane.trim, buf, pos);
          if (pos < 0) return false;
          p = decimalFieldEnd;
        }
        if (row) row[fields[f]!] = (buf as Buffer as Latin1Readable).latin1Slice(valueStart, pos);
        buf[pos++] = 34;
      }
      buf[pos++] = 93;
      if (g === 0) {
        keyEnd = pos;
        part = mixHash(hashBytes(buf, 1, keyEnd, hashStart(0))) % PARTITIONS;
        const key = buf;
        let k = 1;
        if (nullKey) {
          key[0] = 33;
          k = 0;
        }
        buf = this.partRoom(part, need);
        pos = this.partEnd[part]!;
        for (; k < keyEnd; k++) buf[pos++] = key[k]!;
      }
    }
    // A field too many.
    if (p !== to) return false;
    buf[pos++] = 10;
    this.partEnd[part] = pos;
    this.rows++;
    return true;
  }

  /** Partition `p`'s buffer, with room for `n` more bytes. */
  private partRoom(p: number, n: number): Buffer {
    const buf = this.parts[p];
    const end = this.partEnd[p]!;
    if (buf && end + n <= buf.length) return buf;
    const bigger = Buffer.allocUnsafe(Math.max(PART_START_BYTES, (buf?.length ?? 0) * 2, end + n));
    buf?.copy(bigger, 0, 0, end);
    this.parts[p] = bigger;
    return bigger;
  }

  /** Appends one row. */
  add(row: CanonicalRow): void {
    this.pos = 0;
    let hasNull = false;
    for (const k of this.keyFields) if (row[k] === null || row[k] === undefined) hasNull = true;
    if (hasNull) this.byte(33, false);
    this.hash = hashStart(0);
    for (let g = 0; g < 3; g++) {
      if (g > 0) this.byte(9, false);
      const { fields, escape } = this.groups[g]!;
      const h = g === 0;
      this.byte(91, h);
      for (let i = 0; i < fields.length; i++) {
        if (i > 0) this.byte(44, h);
        this.value(row[fields[i]!], escape[i]!, h);
      }
      this.byte(93, h);
    }
    this.byte(10, false);
    // The line goes to its key's partition.
    const part = mixHash(this.hash) % PARTITIONS;
    const dst = this.partRoom(part, this.pos);
    this.buf.copy(dst, this.partEnd[part]!, 0, this.pos);
    this.partEnd[part]! += this.pos;
    this.rows++;
  }

  /** Rows added since the last take. */
  get pending(): number {
    return this.rows;
  }

  /** The rows added since the last call, grouped by partition (undefined when there are none). */
  take(): EncodedBatch | undefined {
    const n = this.rows;
    if (n === 0) return undefined;
    const { parts, partEnd } = this;
    const offsets = new Uint32Array(PARTITIONS + 1);
    for (let p = 0; p < PARTITIONS; p++) offsets[p + 1] = offsets[p]! + partEnd[p]!;
    // Not from the shared pool: the batch must own its whole ArrayBuffer to be transferred.
    const out = this.buffers
      ? this.buffers.take(offsets[PARTITIONS]!)
      : Buffer.allocUnsafeSlow(offsets[PARTITIONS]!);
    for (let p = 0; p < PARTITIONS; p++)
      if (partEnd[p]! > 0) parts[p]!.copy(out, offsets[p]!, 0, partEnd[p]!);
    partEnd.fill(0);
    // A buffer grown for an outsized line (or a skewed batch) is not kept for the packer's life.
    for (let p = 0; p < PARTITIONS; p++)
      if (parts[p] && parts[p]!.length > KEEP_MAX_BYTES) parts[p] = undefined;
    if (this.buf.length > KEEP_MAX_BYTES) this.buf = Buffer.allocUnsafe(SCRATCH_BYTES) as Utf8Writable;
    this.rows = 0;
    return { rows: n, bytes: out, offsets };
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n)) as Utf8Writable;
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  private byte(b: number, hashed: boolean): void {
    this.room(1);
    this.buf[this.pos++] = b;
    if (hashed) this.hash = Math.imul(this.hash ^ b, 0x01000193);
  }

  /** One value as held-row.ts quotes it: null, or "text" (JSON-escaped when a string field needs it). */
  private value(v: CanonicalValue | undefined, escape: boolean, hashed: boolean): void {
    if (v === null || v === undefined) {
      for (const c of NULL_BYTES) this.byte(c, hashed);
      return;
    }
    const len = v.length;
    this.room(len + 2);
    const buf = this.buf;
    let pos = this.pos;
    let h = this.hash;
    buf[pos++] = 34;
    if (hashed) h = Math.imul(h ^ 34, 0x01000193);
    for (let i = 0; i < len; i++) {
      const c = v.charCodeAt(i);
      if (c >= 0x80 || (escape && (c < 0x20 || c === 34 || c === 92)))
        return this.slowValue(v, escape, hashed);
      buf[pos++] = c;
      if (hashed) h = Math.imul(h ^ c, 0x01000193);
    }
    buf[pos++] = 34;
    if (hashed) h = Math.imul(h ^ 34, 0x01000193);
    this.pos = pos;
    this.hash = h;
  }

  /** Non-ASCII or escaped text: the quoted string built, hashed by UTF-16 unit, written as UTF-8. */
  private slowValue(v: string, escape: boolean, hashed: boolean): void {
    const q = escape && NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`;
    if (hashed) {
      let h = this.hash;
      for (let i = 0; i < q.length; i++) h = Math.imul(h ^ q.charCodeAt(i), 0x01000193);
      this.hash = h;
    }
    this.room(q.length * 3);
    this.pos += this.buf.utf8Write(q, this.pos);
  }
}

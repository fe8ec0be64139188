/**
 * Encodes canonical rows straight to the held-line bytes of an EncodedBatch, without building a
 * string per line: the bytes, and the partition of each row, are exactly those of `lineEncoder`
 * (held-row.ts) + `partitionOfKey` + `packBatch` (a unit test checks it), at a fraction of the
 * allocations. Used by the reader threads, where this encoding is the largest cost after parsing.
 */
import type { Mapping } from '../config/mapping-schema.js';
import { heldLayout, NEEDS_ESCAPE, PARTITIONS, type EncodedBatch } from './held-row.js';
import type { CanonicalRow, CanonicalValue } from './types.js';

interface Utf8Writable extends Buffer {
  utf8Write(s: string, offset: number): number;
}

/** Packs canonical rows of one side into EncodedBatches. */
export class RowPacker {
  private buf = Buffer.allocUnsafe(1 << 20) as Utf8Writable;
  private pos = 0;
  private starts = new Uint32Array(4096);
  private parts = new Uint16Array(4096);
  private rows = 0;
  private hash = 0;
  private readonly keyFields: string[];
  private readonly groups: { fields: string[]; escape: boolean[] }[];

  constructor(mapping: Mapping) {
    const { keyFields, cmpFields, carryFields } = heldLayout(mapping);
    this.keyFields = keyFields;
    this.groups = [keyFields, cmpFields, carryFields].map((fields) => ({
      fields,
      escape: fields.map((f) => mapping.fields[f]!.type === 'string'),
    }));
  }

  /** Appends one row. */
  add(row: CanonicalRow): void {
    if (this.rows === this.starts.length) {
      const s = new Uint32Array(this.rows * 2);
      s.set(this.starts);
      this.starts = s;
      const p = new Uint16Array(this.rows * 2);
      p.set(this.parts);
      this.parts = p;
    }
    this.starts[this.rows] = this.pos;
    let hasNull = false;
    for (const k of this.keyFields) if (row[k] === null || row[k] === undefined) hasNull = true;
    if (hasNull) this.byte(33, false);
    this.hash = 0x811c9dc5;
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
    let x = this.hash;
    x ^= x >>> 15;
    x = Math.imul(x, 0x2c1b3c6d);
    x ^= x >>> 12;
    this.parts[this.rows++] = (x >>> 0) % PARTITIONS;
  }

  /** The rows added since the last call, grouped by partition (undefined when there are none). */
  take(): EncodedBatch | undefined {
    const n = this.rows;
    if (n === 0) return undefined;
    const { starts, parts, buf } = this;
    const offsets = new Uint32Array(PARTITIONS + 1);
    const counts = new Uint32Array(PARTITIONS + 1);
    for (let i = 0; i < n; i++)
      counts[parts[i]! + 1]! += (i + 1 < n ? starts[i + 1]! : this.pos) - starts[i]!;
    for (let p = 0; p < PARTITIONS; p++) counts[p + 1]! += counts[p]!;
    offsets.set(counts);
    // Not from the shared pool: the batch must own its whole ArrayBuffer to be transferred.
    const out = Buffer.allocUnsafeSlow(this.pos);
    for (let i = 0; i < n; i++) {
      const from = starts[i]!;
      const to = i + 1 < n ? starts[i + 1]! : this.pos;
      let at = counts[parts[i]!]!;
      for (let j = from; j < to; j++) out[at++] = buf[j]!;
      counts[parts[i]!] = at;
    }
    this.rows = 0;
    this.pos = 0;
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
      for (const c of [110, 117, 108, 108]) this.byte(c, hashed);
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

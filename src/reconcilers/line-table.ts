/**
 * Joining a partition on its bytes: the held lines (held-row.ts) are found in a partition's UTF-8
 * buffer and kept as offsets into it, in a hash table keyed by their key bytes, so a row that
 * matches costs no string, no Map entry and nothing for the garbage collector. Only the lines of a
 * difference are decoded. Equal key bytes are equal key texts (UTF-8 encodes a text one way), so
 * the join pairs exactly the rows a Map of key strings pairs.
 */
import { hashBytes, hashStart, mixHash, NULL_KEY_MARK } from './held-row.js';

/** A seed no partition split uses (they use their depth, 0 to 4): the table's slots spread. */
const LINE_SEED = 0x5eed;
/** The byte of the tab that ends a line's key and its compared values, and of its newline. */
const TAB = 9;
const NEWLINE = 10;

/**
 * Where a held line's parts are in a buffer: [start, key start, key end (its first tab), compared
 * values' end (its second tab), end (its newline)]. A line scanned is `scan` out of `scanLine`.
 */
export interface LineAt {
  start: number;
  keyStart: number;
  keyEnd: number;
  cmpEnd: number;
  end: number;
  /** The key bytes' hash (FNV-1a with a seed of its own: independent of the partition's hashes). */
  hash: number;
}

/**
 * Scans the line starting at `at` into `out` (reused, so a scan allocates nothing): its parts, the
 * hash of its key bytes, and its end; returns whether its key has a NULL part.
 */
export function scanLine(buf: Buffer, at: number, out: LineAt): boolean {
  const n = buf.length;
  const isNull = buf[at] === NULL_KEY_MARK;
  const keyStart = isNull ? at + 1 : at;
  // Buffer#indexOf is a memchr: quicker than a loop over the bytes in JavaScript.
  const nl = buf.indexOf(NEWLINE, at);
  const end = nl < 0 ? n : nl;
  let keyEnd = buf.indexOf(TAB, keyStart);
  if (keyEnd < 0 || keyEnd > end) keyEnd = end;
  let cmpEnd = keyEnd < end ? buf.indexOf(TAB, keyEnd + 1) : end;
  if (cmpEnd < 0 || cmpEnd > end) cmpEnd = end;
  const h = mixHash(hashBytes(buf, keyStart, keyEnd, hashStart(LINE_SEED)));
  out.start = at;
  out.keyStart = keyStart;
  out.keyEnd = keyEnd;
  out.cmpEnd = cmpEnd;
  out.end = end;
  out.hash = h | 0;
  return isNull;
}

/** Whether a[as, ae) and b[bs, be) hold the same bytes. */
export function sameBytes(
  a: Uint8Array,
  as: number,
  ae: number,
  b: Uint8Array,
  bs: number,
  be: number,
): boolean {
  if (ae - as !== be - bs) return false;
  for (; as < ae; as++, bs++) if (a[as] !== b[bs]) return false;
  return true;
}

/** Fields per entry in `lines` and `other`: start, keyStart, keyEnd, cmpEnd, end. */
const F = 5;
/** The most keys a table makes room for before it has seen them (it grows past that). */
const FIRST_CAPACITY_MAX = 1 << 16;
/** Tables kept for reuse per thread, and the largest kept (64k keys: ~4 MB of arrays). */
const SPARE_TABLES = 4;
const KEEP_CAPACITY_MAX = 1 << 16;
const spare: LineTable[] = [];
const EMPTY = Buffer.alloc(0);

/** The entries a table starts with for `expected` keys: a guess, capped, so a few keys with long lines do not reserve a huge table. */
function capacityFor(expected: number): number {
  const guess = Math.min(FIRST_CAPACITY_MAX, Math.max(1, expected));
  return Math.max(16, 2 ** Math.ceil(Math.log2(guess)));
}

/**
 * The keys of one side of a partition, each with its first line and how many lines it has, in the
 * order they were first seen (as a Map keeps them); each key may also hold the first line of the
 * other side that has it, and how many. Offsets are into `buf` (this side) and the other side's
 * buffer; an open-addressing table of entry numbers finds a key.
 */
export class LineTable {
  /** Keys held. */
  size = 0;
  /** Per entry (F each): its first line's parts, as LineAt (unsigned: a buffer may pass 2 GiB). */
  private lines: Uint32Array;
  /** Per entry: its lines on this side. */
  count: Int32Array;
  /** Per entry (F each): the first line of the other side with its key. */
  private other: Uint32Array;
  /** Per entry: the other side's lines with its key. */
  otherCount: Int32Array;
  private hashes: Int32Array;
  /** Entry number + 1 per slot (0: empty); twice the entries' capacity, a power of two. */
  private slots: Int32Array;

  constructor(
    public buf: Buffer,
    expected: number,
  ) {
    const cap = capacityFor(expected);
    this.lines = new Uint32Array(cap * F);
    this.count = new Int32Array(cap);
    this.other = new Uint32Array(cap * F);
    this.otherCount = new Int32Array(cap);
    this.hashes = new Int32Array(cap);
    this.slots = new Int32Array(cap * 2);
  }

  /**
   * The table of `buf`'s keys, empty: a spare one of this thread's (handed back by `release`), its
   * arrays kept when they have the room, else a new one. A new table's arrays are fresh memory the
   * kernel faults in page by page: ~0.5 MB per partition at 1M rows, 256 partitions a side.
   */
  static take(buf: Buffer, expected: number): LineTable {
    const t = spare.pop();
    if (!t) return new LineTable(buf, expected);
    t.buf = buf;
    t.size = 0;
    if (t.count.length < capacityFor(expected)) t.grow(capacityFor(expected));
    else t.slots.fill(0);
    return t;
  }

  /** Hands the table back for another partition (a few are kept, none grown past KEEP_CAPACITY_MAX). */
  release(): void {
    this.buf = EMPTY;
    if (spare.length < SPARE_TABLES && this.count.length <= KEEP_CAPACITY_MAX) spare.push(this);
  }

  /** The entry holding the key of `line` (whose key bytes are in `from`), or -1. */
  find(from: Uint8Array, line: LineAt): number {
    const mask = this.slots.length - 1;
    const { buf, lines, slots, hashes } = this;
    for (let s = line.hash & mask; ; s = (s + 1) & mask) {
      const e = slots[s]! - 1;
      if (e < 0) return -1;
      if (
        hashes[e] === line.hash &&
        sameBytes(buf, lines[e * F + 1]!, lines[e * F + 2]!, from, line.keyStart, line.keyEnd)
      )
        return e;
    }
  }

  /** Adds the key of `line` (a line of `buf`, not held yet) with it as its first line; returns its entry. */
  add(line: LineAt): number {
    if (this.size === this.count.length) this.grow();
    const e = this.size++;
    const mask = this.slots.length - 1;
    let s = line.hash & mask;
    while (this.slots[s] !== 0) s = (s + 1) & mask;
    this.slots[s] = e + 1;
    this.hashes[e] = line.hash;
    this.count[e] = 1;
    this.otherCount[e] = 0;
    put(this.lines, e, line);
    return e;
  }

  /** Counts a line of `buf`: one more for its key when held, else its key added with it first. */
  tally(line: LineAt): void {
    const e = this.find(this.buf, line);
    if (e >= 0) this.count[e]!++;
    else this.add(line);
  }

  /** The text of entry `e`'s first line. */
  firstLine(e: number): string {
    return this.buf.toString('utf8', this.lines[e * F]!, this.lines[e * F + 4]!);
  }

  /** The text of the other side's first line with entry `e`'s key (a line of `otherBuf`). */
  firstOther(e: number, otherBuf: Buffer): string {
    return otherBuf.toString('utf8', this.other[e * F]!, this.other[e * F + 4]!);
  }

  /** Notes a line of the other side with the key of entry `e`. */
  addOther(e: number, line: LineAt): void {
    if (this.otherCount[e]!++ === 0) put(this.other, e, line);
  }

  /**
   * Whether entry `e`'s first line and the first line of the other side with its key (a line of
   * `otherBuf`) hold the same bytes of compared values: the same canonical text for every field.
   */
  sameCompared(e: number, otherBuf: Uint8Array): boolean {
    const o = e * F;
    const { lines, other } = this;
    return sameBytes(this.buf, lines[o + 2]!, lines[o + 3]!, otherBuf, other[o + 2]!, other[o + 3]!);
  }

  /** Twice the room (or `cap`): the arrays copied, the slots rebuilt from the kept hashes. */
  private grow(cap = this.count.length * 2): void {
    this.lines = widened(this.lines, cap * F);
    this.count = widened(this.count, cap);
    this.other = widened(this.other, cap * F);
    this.otherCount = widened(this.otherCount, cap);
    this.hashes = widened(this.hashes, cap);
    this.slots = new Int32Array(cap * 2);
    const mask = this.slots.length - 1;
    for (let e = 0; e < this.size; e++) {
      let s = this.hashes[e]! & mask;
      while (this.slots[s] !== 0) s = (s + 1) & mask;
      this.slots[s] = e + 1;
    }
  }
}

/** A copy of `a` with room for `n` values, of the same kind. */
function widened<T extends Int32Array | Uint32Array>(a: T, n: number): T {
  const b = (a instanceof Uint32Array ? new Uint32Array(n) : new Int32Array(n)) as T;
  b.set(a);
  return b;
}

function put(a: Uint32Array, e: number, line: LineAt): void {
  const o = e * F;
  a[o] = line.start;
  a[o + 1] = line.keyStart;
  a[o + 2] = line.keyEnd;
  a[o + 3] = line.cmpEnd;
  a[o + 4] = line.end;
}

/** A new, reusable LineAt. */
export function lineAt(): LineAt {
  return { start: 0, keyStart: 0, keyEnd: 0, cmpEnd: 0, end: 0, hash: 0 };
}

/**
 * Holds both sides' rows, hash-partitioned by key, in memory until an estimate of the bytes held
 * passes the budget, then in temporary files (one per partition and side). Partitions are handed
 * back one at a time, so the join only ever holds one partition's rows; a spilled partition that is
 * still too large is split again with another hash seed. Every record is one line of text that
 * holds no raw newline (JSON escapes them), so files are plain newline-separated lines.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { makeSpillDir, removeSpillDir, sweepSpillDirs } from '../util/spill-dirs.js';
import { keyOfLine } from './held-row.js';

/** A side as the store indexes it: 0 legacy, 1 cloud. */
export type SideIndex = 0 | 1;

/** The largest and smallest chunk a partition writes through once spilled (see chunkBytesFor). */
const CHUNK_BYTES = 64 * 1024;
const MIN_CHUNK_BYTES = 4 * 1024;

/**
 * The chunk size for a budget of held bytes: once spilled, every partition of both sides keeps one
 * chunk open, so all of them together stay within that budget (64 KB × 512 = 32 MB at the default
 * 512 MB; 4 KB × 512 = 2 MB at 16 MB), instead of a fixed 32 MB that a small budget cannot hold.
 */
export function chunkBytesFor(memoryBytes: number, partitions: number): number {
  const share = Math.floor(memoryBytes / (2 * partitions) / MIN_CHUNK_BYTES) * MIN_CHUNK_BYTES;
  return Math.min(CHUNK_BYTES, Math.max(MIN_CHUNK_BYTES, share));
}
const SUB_PARTITIONS = 16;
const MAX_DEPTH = 4;

/** FNV-1a over UTF-16 code units, with a seed so that a re-split uses an independent hash. */
export function hashKey(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

export interface PartitionStoreOptions {
  /** Bytes of lines held in memory before spilling. */
  memoryBytes: number;
  /** Largest spilled partition (both sides' file bytes) joined in one piece. */
  partitionBytes: number;
  partitions: number;
  tmpDir?: string;
  forceSpill?: boolean;
}

/** One partition, ready to join: both sides' lines, each side in arrival order. */
export interface Partition {
  legacy: Iterable<string>;
  cloud: Iterable<string>;
}

/** Node's Buffer#utf8Write: write() without its argument checks, on the hottest path. */
interface FastBuffer extends Buffer {
  utf8Write(s: string, offset: number): number;
}

function writeAll(fd: number, buf: Buffer, end: number): void {
  let off = 0;
  while (off < end) off += fs.writeSync(fd, buf, off, end - off);
}

/**
 * One side of one partition: lines packed into Buffers, so held rows cost their UTF-8 bytes and
 * nothing for the garbage collector. In memory, chunks start small and grow (a small table does
 * not pay for hundreds of empty 64 KB chunks); once it has a file, one chunk is reused: filled,
 * written, filled again — no garbage left for the collector to find late.
 */
class ChunkList {
  constructor(private readonly chunkBytes: number) {}
  chunks: Buffer[] = [];
  fd = -1;
  private cur: Buffer = Buffer.allocUnsafe(0);
  private pos = 0;
  /** Bytes written to the file. */
  written = 0;

  /** Appends one line (and its newline); returns the bytes newly allocated for it (0 if none). */
  add(line: string): number {
    const need = line.length * 3 + 1;
    const grown = this.reserve(need);
    this.pos += (this.cur as FastBuffer).utf8Write(line, this.pos);
    this.cur[this.pos++] = 10;
    return grown;
  }

  /** Appends bytes holding whole newline-terminated lines; returns the bytes newly allocated (0 if none). */
  addBytes(src: Uint8Array): number {
    const need = src.length;
    const grown = this.reserve(need);
    this.cur.set(src, this.pos);
    this.pos += need;
    return grown;
  }

  /**
   * Makes room for `need` more bytes in the current chunk: a spilled partition flushes to its file,
   * an in-memory one seals the chunk and starts a bigger one. Returns the bytes newly allocated.
   */
  private reserve(need: number): number {
    if (this.pos + need <= this.cur.length) return 0;
    if (this.fd >= 0) {
      this.flush();
      if (need <= this.cur.length) return 0;
      this.cur = Buffer.allocUnsafe(Math.max(this.chunkBytes, need));
      return this.cur.length;
    }
    this.seal();
    this.cur = Buffer.allocUnsafe(Math.max(Math.min(this.chunkBytes, this.nextSize()), need));
    return this.cur.length;
  }

  private nextSize(): number {
    const last = this.chunks.at(-1);
    return last ? last.length * 2 : MIN_CHUNK_BYTES;
  }

  /** Closes the current chunk so `chunks` holds every line (memory mode). */
  seal(): void {
    if (this.pos > 0) this.chunks.push(this.cur.subarray(0, this.pos));
    this.cur = Buffer.allocUnsafe(0);
    this.pos = 0;
  }

  /** Moves to a file: everything held is written, and later lines go there a chunk at a time. */
  attach(fd: number): void {
    this.seal();
    this.fd = fd;
    for (const c of this.chunks) {
      writeAll(fd, c, c.length);
      this.written += c.length;
    }
    this.chunks = [];
    this.cur = Buffer.allocUnsafe(this.chunkBytes);
  }

  /** Writes the current chunk to the file (file mode). */
  flush(): void {
    if (this.pos > 0) writeAll(this.fd, this.cur, this.pos);
    this.written += this.pos;
    this.pos = 0;
  }

  /** The held bytes, newline-terminated lines (memory mode); the list lets go of them. */
  bytes(): Buffer {
    this.seal();
    const b = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [];
    return b;
  }
}

export class PartitionStore {
  private lists: ChunkList[][]; // [side][partition]
  private heldBytes = 0;
  private files?: string[][];
  private dir?: string;
  private disposed = false;
  spilled = false;

  constructor(private readonly opts: PartitionStoreOptions) {
    const chunk = chunkBytesFor(opts.memoryBytes, opts.partitions);
    this.lists = [0, 1].map(() => Array.from({ length: opts.partitions }, () => new ChunkList(chunk)));
    sweepSpillDirs(opts.tmpDir ?? os.tmpdir());
    if (opts.forceSpill) this.spill();
  }

  /**
   * Adds lines already encoded as UTF-8, each ending in a newline (RowPacker's); spills everything
   * once the bytes held pass the budget.
   */
  addBytes(side: SideIndex, partition: number, bytes: Uint8Array): void {
    if (this.disposed) return;
    const grown = this.lists[side]![partition]!.addBytes(bytes);
    if (grown === 0 || this.files) return;
    this.heldBytes += grown;
    if (this.heldBytes > this.opts.memoryBytes) this.spill();
  }

  /** Bytes written to temporary files (for the run's log). */
  get spilledBytes(): number {
    return this.lists.flat().reduce((n, l) => n + l.written, 0);
  }

  /** Moves everything held to temporary files; later lines go straight to them. */
  private spill(): void {
    if (this.files) return;
    this.spilled = true;
    this.dir = makeSpillDir(this.opts.tmpDir ?? os.tmpdir());
    this.files = [0, 1].map((side) =>
      Array.from({ length: this.opts.partitions }, (_, p) => path.join(this.dir!, `${side}-${p}`)),
    );
    for (const side of [0, 1] as const)
      for (let p = 0; p < this.opts.partitions; p++)
        this.lists[side]![p]!.attach(fs.openSync(this.files[side]![p]!, 'w'));
    this.heldBytes = 0;
  }

  /** Bytes held in memory and written to files: what the join will read. */
  get totalBytes(): number {
    return this.heldBytes + this.spilledBytes;
  }

  /**
   * The partitions one after the other, as what holds them: both sides' bytes (in memory) or files
   * (spilled). `PartitionReader.partitionsOf` makes them joinable, on this thread or another one.
   */
  *sources(): Generator<PartitionSource> {
    if (!this.files) {
      for (let p = 0; p < this.opts.partitions; p++)
        yield { legacy: this.lists[0]![p]!.bytes(), cloud: this.lists[1]![p]!.bytes() };
      return;
    }
    for (const side of this.lists)
      for (const l of side) {
        l.flush();
        fs.closeSync(l.fd);
        l.fd = -1;
      }
    this.lists = [[], []]; // their reused chunks are garbage now
    for (let p = 0; p < this.opts.partitions; p++)
      yield { legacyFile: this.files[0]![p]!, cloudFile: this.files[1]![p]! };
  }

  /** Removes the temporary files (also after an error). */
  dispose(): void {
    this.disposed = true;
    for (const side of this.lists)
      for (const l of side)
        if (l.fd >= 0) {
          try {
            fs.closeSync(l.fd);
          } catch {
            /* already closed */
          }
          l.fd = -1;
        }
    if (this.dir) removeSpillDir(this.dir);
    this.dir = undefined;
    this.lists = [[], []];
  }
}

/** One partition as the store holds it: both sides' bytes, or (spilled) both sides' files. */
export type PartitionSource =
  { legacy: Uint8Array; cloud: Uint8Array } | { legacyFile: string; cloudFile: string };

/**
 * Turns partition sources into joinable partitions: lines of bytes in memory, or a spilled
 * partition's files, read whole when small enough and split again (by a hash with another seed)
 * while too large to hold. Needs only the store's options, so a join thread has one of its own.
 */
export class PartitionReader {
  /** One read buffer reused for every spilled partition file. */
  private readBuf = Buffer.allocUnsafe(0);

  constructor(
    private readonly opts: Pick<PartitionStoreOptions, 'memoryBytes' | 'partitionBytes' | 'partitions'>,
  ) {}

  *partitionsOf(source: PartitionSource): Generator<Partition> {
    if ('legacy' in source) {
      yield { legacy: splitLines(utf8(source.legacy)), cloud: splitLines(utf8(source.cloud)) };
      return;
    }
    yield* this.joinable(source.legacyFile, source.cloudFile, 1);
  }

  /** A whole file as text, read through one reused buffer. */
  private readText(file: string): string {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      if (this.readBuf.length < size)
        this.readBuf = Buffer.allocUnsafe(Math.max(size, this.readBuf.length * 2));
      let off = 0;
      while (off < size) {
        const n = fs.readSync(fd, this.readBuf, off, size - off, off);
        if (n === 0) break;
        off += n;
      }
      return this.readBuf.toString('utf8', 0, off);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** A spilled partition, split again (by a hash with another seed) while it is too large to hold. */
  private *joinable(legacyFile: string, cloudFile: string, depth: number): Generator<Partition> {
    const size = fs.statSync(legacyFile).size + fs.statSync(cloudFile).size;
    if (size <= this.opts.partitionBytes || depth > MAX_DEPTH) {
      yield { legacy: splitLines(this.readText(legacyFile)), cloud: splitLines(this.readText(cloudFile)) };
      fs.rmSync(legacyFile, { force: true });
      fs.rmSync(cloudFile, { force: true });
      return;
    }
    const subs = [legacyFile, cloudFile].map((file, side) => {
      const names = Array.from({ length: SUB_PARTITIONS }, (_, i) => `${file}.${side}.${depth}.${i}`);
      const lists = names.map((f) => {
        const l = new ChunkList(chunkBytesFor(this.opts.memoryBytes, this.opts.partitions));
        l.attach(fs.openSync(f, 'w'));
        return l;
      });
      for (const line of readLines(file)) lists[hashKey(keyOfLine(line), depth) % SUB_PARTITIONS]!.add(line);
      for (const l of lists) {
        l.flush();
        fs.closeSync(l.fd);
        l.fd = -1;
      }
      fs.rmSync(file, { force: true });
      return names;
    });
    for (let i = 0; i < SUB_PARTITIONS; i++) yield* this.joinable(subs[0]![i]!, subs[1]![i]!, depth + 1);
  }
}

/** UTF-8 bytes as text. */
function utf8(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
}

/** The lines of newline-terminated text. */
function splitLines(text: string): string[] {
  const lines = text.split('\n');
  lines.pop();
  return lines;
}

/** The lines of a file, read in 1 MB chunks. */
function* readLines(file: string): Generator<string> {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    const dec = new StringDecoder('utf8');
    let rest = '';
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const text = rest + dec.write(buf.subarray(0, n));
      const lines = text.split('\n');
      rest = lines.pop()!;
      yield* lines;
    }
    rest += dec.end();
    if (rest) yield rest;
  } finally {
    fs.closeSync(fd);
  }
}

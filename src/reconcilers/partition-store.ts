/**
 * Holds both sides' rows, hash-partitioned by key, in memory until an estimate of the bytes held
 * passes the budget, then in temporary files (one per side, each partition's chunks appended to it
 * and their places kept). Partitions are handed back one at a time, so the join only ever holds one
 * partition's rows; a spilled partition that is still too large is split again with another hash
 * seed. Every record is one line of text that
 * holds no raw newline (JSON escapes them), so files are plain newline-separated lines.
 */
import { constants } from 'node:buffer';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { makeSpillDir, removeSpillDir, sweepSpillDirs } from '../util/spill-dirs.js';
import { hashStart, keyOfLine, mixHash } from './held-row.js';

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
/** The largest Buffer Node makes. */
const MAX_LENGTH = constants.MAX_LENGTH;
const MAX_DEPTH = 4;

/** FNV-1a over UTF-16 code units, with a seed so that a re-split uses an independent hash. */
export function hashKey(text: string, seed: number): number {
  let h = hashStart(seed);
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mixHash(h);
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

/** One partition, ready to join: both sides' newline-terminated lines, each side in arrival order. */
export interface Partition {
  legacy: Buffer;
  cloud: Buffer;
}

/** Node's Buffer#utf8Write: write() without its argument checks, on the hottest path. */
interface FastBuffer extends Buffer {
  utf8Write(s: string, offset: number): number;
}

function writeAll(fd: number, buf: Uint8Array, end: number): void {
  let off = 0;
  while (off < end) off += fs.writeSync(fd, buf, off, end - off);
}

/**
 * Where one side of a spilled partition is: ranges of a spill file, `[offset, length, ...]`. Plain
 * data, so a join thread can be told where to read.
 */
export interface Spilled {
  file: string;
  ranges: number[];
}

/** The bytes of a spilled side. */
function sizeOf(s: Spilled): number {
  let n = 0;
  for (let i = 1; i < s.ranges.length; i += 2) n += s.ranges[i]!;
  return n;
}

/**
 * One file that the partitions of a side append their chunks to, each keeping where its own are.
 * One file, not one per partition: written in one stream, a file system allocates its blocks ~10×
 * faster than for hundreds of files growing side by side (100 MB: 30–45 ms against 400 ms).
 */
class SpillFile {
  private fd: number;
  /** Bytes written so far: where the next chunk goes. */
  size = 0;

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  /** Appends `buf[0, end)`; returns its offset in the file. */
  append(buf: Uint8Array, end: number): number {
    const at = this.size;
    writeAll(this.fd, buf, end);
    this.size += end;
    return at;
  }

  close(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    fs.closeSync(fd);
  }
}

/**
 * One side of one partition: lines packed into Buffers, so held rows cost their UTF-8 bytes and
 * nothing for the garbage collector. In memory, chunks start small and grow (a small table does
 * not pay for hundreds of empty 64 KB chunks); once spilled, one chunk is reused: filled, appended
 * to the side's spill file, filled again — no garbage left for the collector to find late.
 */
class ChunkList {
  constructor(private readonly chunkBytes: number) {}
  chunks: Buffer[] = [];
  file?: SpillFile;
  /** Where this list's bytes are in the file: `[offset, length, ...]`, adjacent ones merged. */
  ranges: number[] = [];
  private cur: Buffer = Buffer.allocUnsafe(0);
  private pos = 0;

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
    if (this.file) {
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

  /** Moves to a spill file: everything held is appended, and later lines go there a chunk at a time. */
  attach(file: SpillFile): void {
    this.seal();
    this.file = file;
    for (const c of this.chunks) this.append(c, c.length);
    this.chunks = [];
    this.cur = Buffer.allocUnsafe(this.chunkBytes);
  }

  /** Appends the current chunk to the file (file mode). */
  flush(): void {
    if (this.pos > 0) this.append(this.cur, this.pos);
    this.pos = 0;
  }

  private append(buf: Uint8Array, end: number): void {
    const at = this.file!.append(buf, end);
    const n = this.ranges.length;
    if (n > 0 && this.ranges[n - 2]! + this.ranges[n - 1]! === at) this.ranges[n - 1]! += end;
    else this.ranges.push(at, end);
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
  private files?: SpillFile[]; // [side]
  private dir?: string;
  private disposed = false;
  spilled = false;
  /** Bytes of lines added: what the join will read. */
  bytesIn = 0;

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
    this.bytesIn += bytes.length;
    const grown = this.lists[side]![partition]!.addBytes(bytes);
    if (grown === 0 || this.files) return;
    this.heldBytes += grown;
    if (this.heldBytes > this.opts.memoryBytes) this.spill();
  }

  /** Moves everything held to the spill files (one per side); later lines go straight to them. */
  private spill(): void {
    if (this.files) return;
    this.spilled = true;
    this.dir = makeSpillDir(this.opts.tmpDir ?? os.tmpdir());
    const files: SpillFile[] = [];
    try {
      for (const side of [0, 1]) files.push(new SpillFile(path.join(this.dir, `side-${side}`)));
    } catch (err) {
      // The first file's descriptor is not left open when the second cannot be made.
      for (const f of files) f.close();
      throw err;
    }
    this.files = files;
    for (const side of [0, 1] as const)
      for (let p = 0; p < this.opts.partitions; p++) this.lists[side]![p]!.attach(this.files[side]!);
    this.heldBytes = 0;
  }

  /**
   * The partitions one after the other, as what holds them: both sides' bytes (in memory) or where
   * they are in the spill files. `PartitionReader.partitionsOf` makes them joinable, on this thread
   * or another one.
   */
  *sources(): Generator<PartitionSource> {
    if (!this.files) {
      for (let p = 0; p < this.opts.partitions; p++)
        yield { legacy: this.lists[0]![p]!.bytes(), cloud: this.lists[1]![p]!.bytes() };
      return;
    }
    for (const side of this.lists) for (const l of side) l.flush();
    for (const f of this.files) f.close();
    const [legacy, cloud] = this.lists as [ChunkList[], ChunkList[]];
    this.lists = [[], []]; // their reused chunks are garbage now
    for (let p = 0; p < this.opts.partitions; p++)
      yield {
        name: `p${p}`,
        legacySpill: { file: this.files[0]!.file, ranges: legacy[p]!.ranges },
        cloudSpill: { file: this.files[1]!.file, ranges: cloud[p]!.ranges },
      };
  }

  /** Removes the temporary files (also after an error). */
  dispose(): void {
    this.disposed = true;
    for (const f of this.files ?? [])
      try {
        f.close();
      } catch {
        /* already closed */
      }
    if (this.dir) removeSpillDir(this.dir);
    this.dir = undefined;
    this.lists = [[], []];
  }
}

/**
 * One partition as the store holds it: both sides' bytes, or (spilled) where they are in the spill
 * files, with a name for the files a split of it writes.
 */
export type PartitionSource =
  { legacy: Uint8Array; cloud: Uint8Array } | { name: string; legacySpill: Spilled; cloudSpill: Spilled };

/**
 * Turns partition sources into joinable partitions: bytes in memory, or a spilled partition's bytes,
 * read whole when small enough and split again (by a hash with another seed) while too large to
 * hold. Needs only the store's options, so a join thread has one of its own.
 */
export class PartitionReader {
  /** One read buffer per side, reused for every spilled partition. */
  private readBufs = [Buffer.allocUnsafe(0), Buffer.allocUnsafe(0)];

  constructor(
    private readonly opts: Pick<PartitionStoreOptions, 'memoryBytes' | 'partitionBytes' | 'partitions'>,
  ) {}

  *partitionsOf(source: PartitionSource): Generator<Partition> {
    if ('legacy' in source) {
      yield { legacy: asBuffer(source.legacy), cloud: asBuffer(source.cloud) };
      return;
    }
    yield* this.joinable(source.legacySpill, source.cloudSpill, source.name, 1);
  }

  /**
   * A spilled side's bytes, read into the side's reused buffer: valid until the side's next read
   * (the join is done with a partition before the next one is read).
   */
  private readBytes(s: Spilled, side: SideIndex): Buffer {
    const size = sizeOf(s);
    let buf = this.readBufs[side]!;
    if (buf.length < size)
      buf = this.readBufs[side] = Buffer.allocUnsafe(Math.min(Math.max(size, buf.length * 2), MAX_LENGTH));
    let off = 0;
    forRanges(s, (fd) => {
      for (let i = 0; i < s.ranges.length; i += 2)
        off += readAt(fd, buf, off, s.ranges[i]!, s.ranges[i + 1]!);
    });
    if (off !== size)
      // Something else truncated the file: an error of the environment (exit 2), not a half-read line.
      throw Object.assign(
        new Error(
          `The temporary spill file ${s.file} is shorter than what was written to it (${off} of ${size} bytes read).`,
        ),
        { code: 'EIO', syscall: 'read', path: s.file },
      );
    return buf.subarray(0, off);
  }

  /**
   * A spilled partition, split again (by a hash with another seed) while it is too large to hold:
   * each side's lines into SUB_PARTITIONS lists of one new spill file, removed once joined.
   */
  private *joinable(legacy: Spilled, cloud: Spilled, name: string, depth: number): Generator<Partition> {
    if (sizeOf(legacy) + sizeOf(cloud) <= this.opts.partitionBytes || depth > MAX_DEPTH) {
      yield { legacy: this.readBytes(legacy, 0), cloud: this.readBytes(cloud, 1) };
      return;
    }
    const dir = path.dirname(legacy.file);
    const files: SpillFile[] = [];
    try {
      const subs = [legacy, cloud].map((s, side) => {
        const file = new SpillFile(path.join(dir, `${name}.s${side}`));
        files.push(file);
        const lists = Array.from({ length: SUB_PARTITIONS }, () => {
          const l = new ChunkList(chunkBytesFor(this.opts.memoryBytes, this.opts.partitions));
          l.attach(file);
          return l;
        });
        for (const line of readLines(s)) lists[hashKey(keyOfLine(line), depth) % SUB_PARTITIONS]!.add(line);
        for (const l of lists) l.flush();
        file.close();
        return lists.map((l) => ({ file: file.file, ranges: l.ranges }));
      });
      for (let i = 0; i < SUB_PARTITIONS; i++)
        yield* this.joinable(subs[0]![i]!, subs[1]![i]!, `${name}.${i}`, depth + 1);
    } finally {
      for (const f of files) {
        f.close();
        fs.rmSync(f.file, { force: true });
      }
    }
  }
}

/** Opens a spilled side's file for `read` and closes it after. */
function forRanges(s: Spilled, read: (fd: number) => void): void {
  if (s.ranges.length === 0) return;
  const fd = fs.openSync(s.file, 'r');
  try {
    read(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads `length` bytes at `position` of a file into `buf` at `off`; returns the bytes read. */
function readAt(fd: number, buf: Uint8Array, off: number, position: number, length: number): number {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, off + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** The same bytes as a Buffer (a join thread is posted plain Uint8Arrays). */
function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** The lines of a spilled side, read in 1 MB chunks. */
function* readLines(s: Spilled): Generator<string> {
  if (s.ranges.length === 0) return;
  const fd = fs.openSync(s.file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    const dec = new StringDecoder('utf8');
    let rest = '';
    for (let i = 0; i < s.ranges.length; i += 2)
      for (let at = 0, length = s.ranges[i + 1]!; at < length;) {
        const n = readAt(fd, buf, 0, s.ranges[i]! + at, Math.min(buf.length, length - at));
        if (n === 0) break;
        at += n;
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

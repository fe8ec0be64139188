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

export type Side = 0 | 1; // 0 legacy, 1 cloud

const CHUNK_BYTES = 64 * 1024;
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

/** Lines packed into Buffers: held rows cost their UTF-8 bytes and nothing for the garbage collector. */
class ChunkList {
  chunks: Buffer[] = [];
  private cur: Buffer = Buffer.allocUnsafe(0);
  private pos = 0;
  /** Appends one line (and its newline); returns the bytes of a chunk it completed (0 if none). */
  add(line: string): number {
    let sealed = 0;
    if (this.pos + line.length * 3 + 1 > this.cur.length) {
      sealed = this.seal();
      this.cur = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, line.length * 3 + 1));
    }
    this.pos += (this.cur as FastBuffer).utf8Write(line, this.pos);
    this.cur[this.pos++] = 10;
    return sealed;
  }
  /** Closes the current chunk so `chunks` holds every line; returns its bytes. */
  seal(): number {
    const n = this.pos;
    if (n > 0) this.chunks.push(this.cur.subarray(0, n));
    this.cur = Buffer.allocUnsafe(0);
    this.pos = 0;
    return n;
  }
  /** The held bytes as one string of newline-terminated lines. */
  text(): string {
    this.seal();
    const t =
      this.chunks.length === 1
        ? this.chunks[0]!.toString('utf8')
        : Buffer.concat(this.chunks).toString('utf8');
    this.chunks = [];
    return t;
  }
}

export class PartitionStore {
  private mem: ChunkList[][]; // [side][partition]
  private heldBytes = 0;
  private fds?: number[][]; // [side][partition]
  private files?: string[][];
  private dir?: string;
  private disposed = false;
  spilled = false;
  /** Bytes written to temporary files (for the run's log). */
  spilledBytes = 0;

  constructor(private readonly opts: PartitionStoreOptions) {
    this.mem = [0, 1].map(() => Array.from({ length: opts.partitions }, () => new ChunkList()));
    if (opts.forceSpill) this.spill();
  }

  /** The partition of a key text. */
  partitionOf(keyText: string): number {
    return hashKey(keyText, 0) % this.opts.partitions;
  }

  /** Adds one line to a side's partition; spills everything once the bytes held pass the budget. */
  add(side: Side, partition: number, line: string): void {
    if (this.disposed) return;
    const list = this.mem[side]![partition]!;
    const grown = list.add(line);
    if (grown === 0) return;
    if (this.fds) {
      // Spilled: a full chunk goes to its file at once; only one open chunk per partition stays held.
      const full = list.chunks.pop();
      if (full) this.write(this.fds[side]![partition]!, full);
      return;
    }
    this.heldBytes += grown;
    if (this.heldBytes > this.opts.memoryBytes) this.spill();
  }

  private write(fd: number, buf: Buffer): void {
    let off = 0;
    while (off < buf.length) off += fs.writeSync(fd, buf, off);
    this.spilledBytes += buf.length;
  }

  /** Moves everything held to temporary files; later lines go straight to them. */
  private spill(): void {
    if (this.fds) return;
    this.spilled = true;
    this.dir = fs.mkdtempSync(path.join(this.opts.tmpDir ?? os.tmpdir(), 'cutover-spill-'));
    this.files = [0, 1].map((side) =>
      Array.from({ length: this.opts.partitions }, (_, p) => path.join(this.dir!, `${side}-${p}`)),
    );
    this.fds = this.files.map((side) => side.map((f) => fs.openSync(f, 'w')));
    for (const side of [0, 1] as const)
      for (let p = 0; p < this.opts.partitions; p++) {
        const list = this.mem[side]![p]!;
        for (const c of list.chunks) this.write(this.fds[side]![p]!, c);
        list.chunks = [];
      }
    this.heldBytes = 0;
  }

  /** The partitions one after the other; each one's memory is released once the next is asked for. */
  *partitions(): Generator<Partition> {
    if (!this.fds) {
      for (let p = 0; p < this.opts.partitions; p++) {
        const legacy = splitLines(this.mem[0]![p]!.text());
        const cloud = splitLines(this.mem[1]![p]!.text());
        yield { legacy, cloud };
      }
      return;
    }
    for (const side of [0, 1] as const)
      for (let p = 0; p < this.opts.partitions; p++) {
        const list = this.mem[side]![p]!;
        list.seal();
        for (const c of list.chunks) this.write(this.fds[side]![p]!, c);
        list.chunks = [];
        fs.closeSync(this.fds[side]![p]!);
        this.fds[side]![p] = -1;
      }
    for (let p = 0; p < this.opts.partitions; p++) {
      yield* this.joinable(this.files![0]![p]!, this.files![1]![p]!, 1);
    }
  }

  /** A spilled partition, split again (by a hash with another seed) while it is too large to hold. */
  private *joinable(legacyFile: string, cloudFile: string, depth: number): Generator<Partition> {
    const size = fs.statSync(legacyFile).size + fs.statSync(cloudFile).size;
    if (size <= this.opts.partitionBytes || depth > MAX_DEPTH) {
      yield {
        legacy: splitLines(fs.readFileSync(legacyFile, 'utf8')),
        cloud: splitLines(fs.readFileSync(cloudFile, 'utf8')),
      };
      fs.rmSync(legacyFile, { force: true });
      fs.rmSync(cloudFile, { force: true });
      return;
    }
    const subs = [legacyFile, cloudFile].map((file, side) => {
      const names = Array.from({ length: SUB_PARTITIONS }, (_, i) => `${file}.${side}.${depth}.${i}`);
      const lists = names.map(() => new ChunkList());
      const fds = names.map((f) => fs.openSync(f, 'w'));
      for (const line of readLines(file)) {
        const i = hashKey(keyOfLine(line), depth) % SUB_PARTITIONS;
        if (lists[i]!.add(line) > 0) {
          const full = lists[i]!.chunks.pop();
          if (full) this.write(fds[i]!, full);
        }
      }
      lists.forEach((l, i) => {
        l.seal();
        for (const c of l.chunks) this.write(fds[i]!, c);
        fs.closeSync(fds[i]!);
      });
      fs.rmSync(file, { force: true });
      return names;
    });
    for (let i = 0; i < SUB_PARTITIONS; i++) yield* this.joinable(subs[0]![i]!, subs[1]![i]!, depth + 1);
  }

  /** Removes the temporary files (also after an error). */
  dispose(): void {
    this.disposed = true;
    for (const side of this.fds ?? [])
      for (let p = 0; p < side.length; p++)
        if (side[p]! >= 0) {
          try {
            fs.closeSync(side[p]!);
          } catch {
            /* already closed */
          }
          side[p] = -1;
        }
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
    this.mem = [[], []];
  }
}

/** The lines of newline-terminated text. */
function splitLines(text: string): string[] {
  const lines = text.split('\n');
  lines.pop();
  return lines;
}

/** The key text at the start of a line (up to the first tab), without the null-key mark. */
export function keyOfLine(line: string): string {
  const tab = line.indexOf('\t');
  const start = line.charCodeAt(0) === 33 ? 1 : 0;
  return line.slice(start, tab < 0 ? line.length : tab);
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

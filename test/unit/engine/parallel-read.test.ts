import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  compareEncoded,
  compareStreams,
  packBatch,
  partitionOfKey,
  type EncodedBatch,
} from '../../../src/reconcilers/compare.js';
import { lineEncoder } from '../../../src/reconcilers/held-row.js';
import { BatchBuffers, RowPacker } from '../../../src/reconcilers/parallel-pack.js';
import { readAhead } from '../../../src/reconcilers/read-side.js';
import {
  encodeSide,
  MAX_IN_FLIGHT,
  readSideParallel,
  startReaderThread,
  type SideJob,
} from '../../../src/reconcilers/parallel-read.js';
import { builtWorker } from '../../../src/util/worker-files.js';
import { ConnectionError, DataError } from '../../../src/errors.js';
import type { CanonicalRow, Difference } from '../../../src/reconcilers/types.js';
import type { CompareStats } from '../../../src/reconcilers/compare.js';
import { makeMapping, sortDiffs } from './helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'engine-par-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const mapping = makeMapping(
  {
    code: { type: 'string' },
    id: { type: 'integer' },
    qty: { type: 'decimal', scale: 2 },
    note: { type: 'string' },
    memo: { type: 'string', compare: false },
  },
  ['code', 'id'],
);

describe('RowPacker', () => {
  it('writes exactly the bytes and partitions of lineEncoder + partitionOfKey + packBatch', () => {
    const text = fc.oneof(fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 8 }));
    const rowArb = fc.record({
      code: fc.option(text, { nil: null }),
      id: fc.option(fc.bigInt().map(String), { nil: null }),
      qty: fc.option(
        fc.integer().map((n) => (n / 100).toFixed(2)),
        { nil: null },
      ),
      note: fc.option(text, { nil: null }),
      memo: fc.option(text, { nil: null }),
    });
    const encode = lineEncoder(mapping);
    fc.assert(
      fc.property(fc.array(rowArb, { minLength: 1, maxLength: 40 }), (rows: CanonicalRow[]) => {
        const lines: string[] = [];
        const parts: number[] = [];
        for (const r of rows) {
          const [key, line] = encode(r);
          lines.push(line);
          parts.push(partitionOfKey(key));
        }
        const want = packBatch(lines, parts);
        const packer = new RowPacker(mapping);
        for (const r of rows) packer.add(r);
        const got = packer.take()!;
        expect(got.rows).toBe(rows.length);
        expect([...got.offsets]).toEqual([...want.offsets]);
        expect(Buffer.from(got.bytes).equals(Buffer.from(want.bytes))).toBe(true);
        expect(packer.take()).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});

/** Two SQLite tables with a few differences of every kind, one non-ASCII key and a quote in a note. */
function sqliteFile(): string {
  const file = path.join(tmp, `t${Math.random().toString(36).slice(2)}.db`);
  const db = new Database(file);
  db.exec('CREATE TABLE l (code TEXT, id INTEGER, qty TEXT, note TEXT, memo TEXT)');
  db.exec('CREATE TABLE c (code TEXT, id INTEGER, qty TEXT, note TEXT, memo TEXT)');
  const ins = (t: string) => db.prepare(`INSERT INTO ${t} VALUES (?, ?, ?, ?, ?)`);
  const l = ins('l');
  const c = ins('c');
  db.exec('BEGIN');
  for (let i = 0; i < 3000; i++) {
    const code = i % 7 === 0 ? `Zoë-${i % 50}` : `A"${i % 50}`;
    const row = [code, i, (i * 1.25).toFixed(3), i % 11 ? `n${i}` : null, `m\t${i}`];
    l.run(...row);
    if (i % 97 === 1) continue; // missing in cloud
    if (i % 89 === 2)
      c.run(row[0], row[1], (i * 1.25 + 1).toFixed(2), row[3], row[4]); // mismatch
    else if (i % 61 === 5)
      c.run(row[0], row[1], row[2], `other ${i}`, row[4]); // another field
    else c.run(...row);
    if (i % 83 === 3) c.run(...row); // duplicate in cloud
  }
  for (let i = 3000; i < 3010; i++) c.run('new', i, '1', null, null); // missing in legacy
  c.run(null, 1, '1', null, null); // NULL key part
  db.exec('COMMIT');
  db.close();
  return file;
}

const job = (file: string, side: 'legacy' | 'cloud', table: string): SideJob => ({
  connection: { name: side, url: `sqlite:${file}` },
  mapping,
  side,
  request: { table, columns: ['code', 'id', 'qty', 'note', 'memo'], batchSize: 500 },
});

async function drain(
  gen: AsyncGenerator<Difference, CompareStats>,
  /** A consumer this slow (ms per difference), as one recording differences to a store is. */
  slowMs = 0,
): Promise<{ diffs: Difference[]; stats: CompareStats }> {
  const diffs: Difference[] = [];
  for (;;) {
    const r = await gen.next();
    if (r.done) return { diffs, stats: r.value };
    diffs.push(r.value);
    if (slowMs) {
      const until = performance.now() + slowMs;
      while (performance.now() < until);
    }
  }
}

/** The single-thread reference: canonical rows read in this thread, compared by compareStreams. */
async function* canonical(j: SideJob): AsyncGenerator<CanonicalRow[]> {
  const { buildNormalizer } = await import('../../../src/reconcilers/normalize.js');
  const n = buildNormalizer(j.mapping, j.side);
  const db = new Database(j.connection.url.slice('sqlite:'.length), { readonly: true });
  db.defaultSafeIntegers(true);
  const rows = db
    .prepare(`SELECT code, id, qty, note, memo FROM ${j.request.table}`)
    .raw()
    .all() as never[][];
  db.close();
  yield rows.map((r) => n.normalize(r));
}

describe('BatchBuffers', () => {
  it('gives a handed-back buffer again when it has the room, else a new one rounded up', () => {
    const pool = new BatchBuffers();
    const a = pool.take(100_000);
    expect(a.length).toBe(100_000);
    expect(a.buffer.byteLength).toBe(128 * 1024);
    pool.give(a.buffer as ArrayBuffer);
    const b = pool.take(120_000);
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(120_000);
    pool.give(b.buffer as ArrayBuffer);
    const c = pool.take(200_000);
    expect(c.buffer).not.toBe(a.buffer);
    expect(pool.take(10).buffer).toBe(a.buffer);
  });

  it('gives the smallest spare that fits, lets an outsized one go, and keeps larger ones when full', () => {
    const pool = new BatchBuffers();
    const sizes = [64, 128, 192].map((k) => new ArrayBuffer(k * 1024));
    for (const b of sizes) pool.give(b);
    expect(pool.take(100 * 1024).buffer).toBe(sizes[1]);
    pool.give(new ArrayBuffer(8 * 1024 * 1024));
    expect(pool.take(1024 * 1024).buffer.byteLength).toBe(1024 * 1024);
    // Full of small spares: a larger one takes the smallest's place.
    const full = new BatchBuffers();
    const small = Array.from({ length: 9 }, () => new ArrayBuffer(64 * 1024));
    for (const b of small) full.give(b);
    const big = new ArrayBuffer(512 * 1024);
    full.give(big);
    expect(full.take(300 * 1024).buffer).toBe(big);
  });

  it('is what a packer packs its batches into', () => {
    const pool = new BatchBuffers();
    const spare = new ArrayBuffer(1024 * 1024);
    pool.give(spare);
    const packer = new RowPacker(mapping, undefined, 0, pool);
    for (let i = 0; i < 50; i++)
      packer.add({ code: `c${i}`, id: String(i), qty: '1.00', note: 'n', memo: null });
    const batch = packer.take()!;
    expect(batch.rows).toBe(50);
    expect(batch.bytes.buffer).toBe(spare);
  });
});

describe('readSideParallel', () => {
  // Under vitest the worker is the built one (dist/src/reconcilers/parallel-read-worker.js) when a
  // build exists; without one, readSideParallel reads in this thread. Both must give the same result.
  it('gives the same differences and counts as the single-thread engine', async () => {
    const file = sqliteFile();
    const L = job(file, 'legacy', 'l');
    const C = job(file, 'cloud', 'c');
    const want = await drain(compareStreams(mapping, canonical(L), canonical(C), { tmpDir: tmp }));
    expect(want.stats.counts.mismatched).toBeGreaterThan(0);
    expect(want.stats.counts.duplicateKeys).toBeGreaterThan(0);
    for (const threads of [true, false]) {
      const got = await drain(
        compareEncoded(mapping, readSideParallel(L, threads), readSideParallel(C, threads), {
          tmpDir: tmp,
          forceSpill: threads,
        }),
      );
      expect(sortDiffs(got.diffs)).toEqual(sortDiffs(want.diffs));
      expect(got.stats.counts).toEqual(want.stats.counts);
      expect(got.stats.fieldMismatches).toEqual(want.stats.fieldMismatches);
    }
  });

  it('hands each batch back to its thread once stored, a read-ahead between them (as the command reads)', async () => {
    expect(builtWorker('reconcilers/parallel-read-worker.js'), 'run npm run build first').toBeDefined();
    const file = sqliteFile();
    // Batches of 25 rows: many more than a thread has in flight, so it packs into buffers handed back.
    const small = (j: SideJob): SideJob => ({ ...j, request: { ...j.request, batchSize: 25 } });
    const L = small(job(file, 'legacy', 'l'));
    const C = small(job(file, 'cloud', 'c'));
    const want = await drain(compareStreams(mapping, canonical(L), canonical(C), { tmpDir: tmp }));
    const seen = new Map<SideJob, EncodedBatch[]>([
      [L, []],
      [C, []],
    ]);
    const noted = async function* (j: SideJob, batches: AsyncIterable<EncodedBatch>) {
      for await (const b of batches) yield (seen.get(j)!.push(b), b);
    };
    const depth = 4;
    const side = (j: SideJob) => readAhead(noted(j, readSideParallel(j, true)), depth);
    const got = await drain(compareEncoded(mapping, side(L), side(C), { tmpDir: tmp }));
    expect(sortDiffs(got.diffs)).toEqual(sortDiffs(want.diffs));
    expect(got.stats.counts).toEqual(want.stats.counts);
    // A side's last batches may be stored after its thread has ended (it exits once it has posted
    // its end): those still in flight (MAX_IN_FLIGHT), held by the read-ahead (`depth`) or being
    // pulled. A transfer to an ended thread leaves the buffer where it is.
    const late = MAX_IN_FLIGHT + depth + 1;
    for (const batches of seen.values()) {
      expect(batches.length).toBeGreaterThan(8 * late);
      // Handed back: every other batch's buffer was transferred to its thread, so it is empty here.
      const kept = batches.flatMap((b, i) => (b.bytes.byteLength > 0 ? [i] : []));
      expect(kept.filter((i) => i < batches.length - late)).toEqual([]);
    }
  });

  it('joins on a second thread with the same differences, in the same order, spilled or not', async () => {
    // CI builds before it tests: the join thread must be there, or this test proves nothing.
    expect(builtWorker('reconcilers/join-worker.js')).toBeDefined();
    const file = sqliteFile();
    const L = job(file, 'legacy', 'l');
    const C = job(file, 'cloud', 'c');
    for (const forceSpill of [false, true]) {
      const run = (joinThread: boolean, slowMs = 0) =>
        drain(
          compareEncoded(mapping, readSideParallel(L, false), readSideParallel(C, false), {
            tmpDir: tmp,
            forceSpill,
            // A small budget: a spilled partition is split again (by the join thread, for its half).
            ...(forceSpill ? { memoryMb: 1 } : {}),
            joinThread,
            joinThreadMinBytes: 0,
          }),
          slowMs,
        );
      const one = await run(false);
      expect(one.diffs.length).toBeGreaterThan(0);
      expect(Object.keys(one.stats.fieldMismatches).length).toBe(2);
      expect(one.stats.joined).toBeUndefined();
      // A fast consumer and a slow one share the partitions differently between the threads
      // (the slow one keeps this thread busy, so the join thread takes more): the same output.
      for (const slowMs of [0, 0.2]) {
        const { diffs, stats } = await run(true, slowMs);
        expect(diffs).toEqual(one.diffs);
        const { joined, ...rest } = stats;
        expect(rest).toEqual(one.stats);
        // The mismatches by field in the same order too: what the summary lists first.
        expect(Object.keys(rest.fieldMismatches)).toEqual(Object.keys(one.stats.fieldMismatches));
        expect(joined!.here + joined!.thread).toBe(256);
        expect(joined!.thread).toBeGreaterThan(0);
      }
    }
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('cutover-spill'))).toEqual([]);
  });

  it('closed early (a failed recording), stops the join thread and removes the spill files', async () => {
    const file = sqliteFile();
    const dir = fs.mkdtempSync(path.join(tmp, 'closed-'));
    const gen = compareEncoded(
      mapping,
      readSideParallel(job(file, 'legacy', 'l'), false),
      readSideParallel(job(file, 'cloud', 'c'), false),
      { tmpDir: dir, forceSpill: true, joinThread: true, joinThreadMinBytes: 0 },
    );
    expect((await gen.next()).done).toBe(false);
    expect(fs.readdirSync(dir).some((f) => f.startsWith('cutover-spill'))).toBe(true);
    await gen.return(undefined as never);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('cutover-spill'))).toEqual([]);
  });

  it('passes a bad value up as the same DataError, naming the field and value', async () => {
    const file = path.join(tmp, 'bad.db');
    const db = new Database(file);
    db.exec(
      "CREATE TABLE l (code TEXT, id INTEGER, qty TEXT, note TEXT, memo TEXT); INSERT INTO l VALUES ('a', 1, 'abc', null, null)",
    );
    db.close();
    for (const threads of [true, false]) {
      const read = async () => {
        for await (const b of readSideParallel(job(file, 'legacy', 'l'), threads)) void b;
      };
      await expect(read()).rejects.toSatisfy(
        (e: unknown) => e instanceof DataError && /qty/.test(e.message) && /abc/.test(e.message),
      );
    }
  });

  it('in this thread, packs what the adapter yields batch by batch', async () => {
    const file = sqliteFile();
    const batches: EncodedBatch[] = [];
    for await (const b of encodeSide(job(file, 'legacy', 'l'))) batches.push(b);
    expect(batches.map((b) => b.rows)).toEqual([500, 500, 500, 500, 500, 500]);
    for (const b of batches) expect(b.offsets[256]).toBe(b.bytes.length);
  });
});

describe('a reader thread started before its job (as a reconcile starts them)', () => {
  /** Reads a side to its end. */
  const readAll = async (batches: AsyncGenerator<EncodedBatch>) => {
    for await (const b of batches) void b;
  };

  it('reads the same once its job comes, however late', async () => {
    // CI builds before it tests: without the built worker this would read in this thread.
    expect(builtWorker('reconcilers/parallel-read-worker.js')).toBeDefined();
    const file = sqliteFile();
    const L = job(file, 'legacy', 'l');
    const C = job(file, 'cloud', 'c');
    const want = await drain(
      compareEncoded(mapping, readSideParallel(L, false), readSideParallel(C, false), { tmpDir: tmp }),
    );
    const legacy = startReaderThread(L.connection)!;
    const cloud = startReaderThread(C.connection)!;
    // Long enough for both threads to have loaded their modules and be waiting.
    await new Promise((r) => setTimeout(r, 300));
    const got = await drain(
      compareEncoded(
        mapping,
        readSideParallel(L, true, undefined, legacy),
        readSideParallel(C, true, undefined, cloud),
        { tmpDir: tmp },
      ),
    );
    expect(got.diffs).toEqual(want.diffs);
    expect(got.stats).toEqual(want.stats);
  });

  it('stopped unused, has ended: a job posted after finds no thread', async () => {
    const L = job(sqliteFile(), 'legacy', 'l');
    const thread = startReaderThread(L.connection)!;
    await thread.stop();
    await expect(readAll(thread.read(L))).rejects.toThrow(
      /reader thread stopped \(exit code \d+\) before its end/,
    );
  });

  it('left unused and never stopped, does not keep the process alive', () => {
    const worker = builtWorker('reconcilers/parallel-read-worker.js')!;
    const module = new URL('parallel-read.js', worker).href;
    const script = `import(${JSON.stringify(module)}).then((m) => m.startReaderThread({ name: 'x', url: 'sqlite:x.db' }))`;
    const r = spawnSync(process.execPath, ['-e', script], { timeout: 10_000 });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
  });

  it('passes a failure to connect up as the same ConnectionError (exit 2), the job posted late', async () => {
    const refused = {
      ...job(sqliteFile(), 'legacy', 'l'),
      connection: { name: 'legacy', url: 'postgres://cutover@127.0.0.1:1/none' },
    };
    const thread = startReaderThread(refused.connection)!;
    await new Promise((r) => setTimeout(r, 300));
    const err = await readAll(readSideParallel(refused, true, undefined, thread)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(/legacy/);
  });
});

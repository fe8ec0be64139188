import fs from 'node:fs';
import path from 'node:path';
import { openForBulkLoad } from '../adapters/sqlite/bulk-file.js';
import { CLOUD_INDEXES, CLOUD_TABLES, LEGACY_INDEXES, LEGACY_TABLES } from './demo-schema.js';
import { createContext, type CapturedEvent } from './demo-context.js';
import type { DemoExpected } from './demo-expected.js';
import { generateInventory } from './generate-inventory.js';
import { generateRefunds } from './generate-refunds.js';
import { generatePostings } from './generate-postings.js';

export interface BuiltDemo {
  expected: DemoExpected;
  /** Last night's captured events, in occurredAt order, ids given. */
  events: CapturedEvent[];
}

/**
 * Builds legacy.db and cloud.db in `dir` for a seed and scale. Each is written to a temporary file
 * and renamed over the old one only when complete, so a crash never leaves a half-written database
 * and a second run in the same folder simply replaces them.
 */
export function buildDemoDatabases(opts: { dir: string; seed: number; scale: number }): BuiltDemo {
  fs.mkdirSync(opts.dir, { recursive: true });
  const tmp = (name: string) => path.join(opts.dir, `.${name}.${process.pid}.tmp`);
  const files = { legacy: tmp('legacy.db'), cloud: tmp('cloud.db') };
  for (const f of Object.values(files)) fs.rmSync(f, { force: true });
  const legacy = openForBulkLoad(files.legacy, LEGACY_TABLES);
  const cloud = openForBulkLoad(files.cloud, CLOUD_TABLES);
  let built: BuiltDemo;
  try {
    const ctx = createContext(opts.seed, opts.scale, legacy, cloud);
    // One transaction per database: prepared inserts inside it are what keeps --scale 10 feasible.
    legacy.exec('BEGIN');
    cloud.exec('BEGIN');
    const inventory = generateInventory(ctx);
    const refunds = generateRefunds(ctx);
    const postings = generatePostings(ctx);
    legacy.exec('COMMIT');
    cloud.exec('COMMIT');
    for (const sql of LEGACY_INDEXES) legacy.exec(sql);
    for (const sql of CLOUD_INDEXES) cloud.exec(sql);
    const events = [...inventory.events, ...refunds.events]
      .sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0))
      .map((ev, i) => ({ ...ev, id: `evt-${String(i + 1).padStart(6, '0')}` }));
    const byType: Record<string, number> = {};
    for (const ev of events) byType[ev.type] = (byType[ev.type] ?? 0) + 1;
    built = {
      events,
      expected: {
        seed: opts.seed,
        scale: opts.scale,
        inventory: inventory.expected,
        refunds: refunds.expected,
        postings: postings.expected,
        events: { total: events.length, byType },
        planted: [...inventory.planted, ...refunds.planted, ...postings.planted],
      },
    };
    for (const db of [legacy, cloud]) {
      db.pragma('journal_mode = DELETE');
      db.exec('ANALYZE');
    }
  } catch (err) {
    for (const db of [legacy, cloud]) if (db.open) db.close();
    for (const f of Object.values(files)) fs.rmSync(f, { force: true });
    throw err;
  }
  legacy.close();
  cloud.close();
  for (const [name, file] of Object.entries(files)) replaceFile(file, path.join(opts.dir, `${name}.db`));
  return built;
}

/** Renames a finished database over `target`, dropping the old one's journal files first (a stale -wal would be replayed into the new file). */
export function replaceFile(tmp: string, target: string): void {
  for (const suffix of ['-wal', '-shm', '-journal']) fs.rmSync(target + suffix, { force: true });
  fs.renameSync(tmp, target);
}

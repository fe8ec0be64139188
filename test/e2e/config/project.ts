import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import type { CliResult } from '../../helpers/cli.js';

/** A temporary project folder: files by relative path; removed by `cleanup`. */
export function makeProject(files: Record<string, string> = {}): { dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-e2e-'));
  fs.mkdirSync(path.join(dir, 'mappings'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Creates a SQLite database file running `sql`. */
export function sqliteDb(file: string, sql: string): void {
  const db = new Database(file);
  db.exec(sql);
  db.close();
}

/** A legacy and a cloud SQLite database with one inventory table each, and a mapping over them. */
export const INVENTORY_SQL = {
  legacy:
    'CREATE TABLE "INVENTSUM" ("ITEMID" TEXT, "INVENTLOCATIONID" TEXT, "PHYSICALINVENT" NUMERIC, "Order" INTEGER);',
  cloud: 'CREATE TABLE inventory_balance (sku TEXT, location_code TEXT, qty_on_hand NUMERIC);',
};

/** The inventory mapping the e2e tests start from; `legacyColumns`/`cloudColumns` override its columns. */
export function inventoryMapping(
  over: { legacyTable?: string; cloudTable?: string; legacyColumns?: string; cloudColumns?: string } = {},
): string {
  return `name: inventory
domain: inventory
key: [sku, location]
fields:
  sku: { type: string, trim: true }
  location: { type: string }
  on_hand: { type: decimal, scale: 3 }
legacy:
  connection: legacy
  table: ${over.legacyTable ?? 'INVENTSUM'}
  columns: ${over.legacyColumns ?? '{ sku: ITEMID, location: INVENTLOCATIONID, on_hand: { column: PHYSICALINVENT, multiply: 12 } }'}
cloud:
  connection: cloud
  table: ${over.cloudTable ?? 'inventory_balance'}
  columns: ${over.cloudColumns ?? '{ sku: sku, location: location_code, on_hand: qty_on_hand }'}
`;
}

/** A mapping over an `items` table (sku, a decimal qty) on both sides: the small fixture many tests share. */
export function itemsMapping(name = 'items'): string {
  return `name: ${name}
domain: custom
key: [sku]
fields:
  sku: { type: string }
  qty: { type: decimal, scale: 2 }
legacy: { connection: legacy, table: items, columns: { sku: sku, qty: qty } }
cloud: { connection: cloud, table: items, columns: { sku: sku, qty: qty } }
`;
}

/**
 * The bad-input contract: exit 2, exactly one paragraph starting "Error: " on stderr, no stack trace,
 * nothing on stdout. Returns the paragraph.
 */
export function expectBadInput(r: CliResult, ...patterns: (string | RegExp)[]): string {
  const errorLines = r.stderr.split('\n').filter((l) => l.startsWith('Error: '));
  expect(errorLines, r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.code, r.stderr).toBe(2);
  const paragraph = errorLines[0]!;
  for (const p of patterns) {
    if (typeof p === 'string') expect(paragraph).toContain(p);
    else expect(paragraph).toMatch(p);
  }
  return paragraph;
}

/** With --debug the same failure also prints its stack. */
export function expectStack(r: CliResult): void {
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/^Error: /m);
  expect(r.stderr).toMatch(/^\s+at /m);
}

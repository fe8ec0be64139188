import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDemoDatabases, type BuiltDemo } from '../../../src/demo/build-demo-databases.js';
import { writeDemoFiles } from '../../../src/demo/write-demo-files.js';
import { DCS, REFUND_STATUSES, INVENTORY_STATUSES, UOM_FAULT_DC } from '../../../src/demo/retailer.js';

const temps: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-demo-unit-'));
  temps.push(d);
  return d;
}
afterAll(() => {
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
});

/** A hash of every row of every table, in insertion order. */
function databaseHash(file: string): string {
  const db = new Database(file, { readonly: true });
  const h = crypto.createHash('sha256');
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
    name: string;
  }[];
  for (const { name } of tables) {
    h.update(name);
    for (const row of db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).raw().iterate())
      h.update(JSON.stringify(row));
  }
  db.close();
  return h.digest('hex');
}

function build(seed: number, scale = 0.3): { dir: string; built: BuiltDemo } {
  const dir = tempDir();
  const built = buildDemoDatabases({ dir, seed, scale });
  writeDemoFiles(dir, built);
  return { dir, built };
}

/** Opens legacy.db with cloud.db attached as `c`, for cross-database checks in plain SQL. */
function openBoth(dir: string): Database.Database {
  const db = new Database(path.join(dir, 'legacy.db'), { readonly: true });
  db.prepare('ATTACH DATABASE ? AS c').run(path.join(dir, 'cloud.db'));
  return db;
}

describe('demo generator', () => {
  const a = build(7);

  it('is deterministic: the same seed builds the same databases, another seed different ones', () => {
    const b = build(7);
    const c = build(8);
    for (const f of ['legacy.db', 'cloud.db']) {
      expect(databaseHash(path.join(a.dir, f))).toBe(databaseHash(path.join(b.dir, f)));
      expect(databaseHash(path.join(a.dir, f))).not.toBe(databaseHash(path.join(c.dir, f)));
    }
    expect(fs.readFileSync(path.join(a.dir, 'events.jsonl'), 'utf8')).toBe(
      fs.readFileSync(path.join(b.dir, 'events.jsonl'), 'utf8'),
    );
    expect(b.built.expected).toEqual(a.built.expected);
  });

  it('inventory: the planted faults are in the data, in the expected numbers', () => {
    const e = a.built.expected.inventory;
    const mapping = parse(fs.readFileSync(path.join(a.dir, 'mappings', 'inventory.yaml'), 'utf8'));
    const db = openBoth(a.dir);
    // The mapping's own legacy query, its DC code map and its status map, joined to the cloud in SQL.
    const dcCase = `CASE l.LOCATIONCODE ${DCS.map((d) => `WHEN '${d.legacy}' THEN '${d.cloud}'`).join(' ')} ELSE l.LOCATIONCODE END`;
    const statusCase = `CASE l.INVENTSTATUSID ${Object.entries(INVENTORY_STATUSES)
      .map(([k, v]) => `WHEN '${k}' THEN '${v}'`)
      .join(' ')} END`;
    const joined = `FROM (${mapping.legacy.query}) l LEFT JOIN c.inventory_balance b
                      ON b.sku = l.ITEMID AND b.location_code = ${dcCase}`;
    const one = (sql: string) => Object.values(db.prepare(sql).get() as object)[0] as number;
    expect(one(`SELECT COUNT(*) ${joined}`)).toBe(e.legacyRows);
    expect(one('SELECT COUNT(*) FROM c.inventory_balance')).toBe(e.cloudRows);
    // Legacy-only rows are all empty balances (absentAsZero), so nothing is missing.
    expect(one(`SELECT COUNT(*) ${joined} WHERE b.sku IS NULL AND l.ONHANDEACHES <> 0`)).toBe(0);
    expect(
      one(
        `SELECT COUNT(*) ${joined} WHERE b.sku IS NOT NULL AND CAST(b.qty_on_hand AS INTEGER) <> l.ONHANDEACHES`,
      ),
    ).toBe(e.fieldMismatches.on_hand);
    expect(one(`SELECT COUNT(*) ${joined} WHERE b.sku IS NOT NULL AND b.status <> ${statusCase}`)).toBe(
      e.fieldMismatches.status,
    );
    expect(
      one(
        `SELECT COUNT(*) ${joined} WHERE b.sku IS NOT NULL AND CAST(b.qty_reserved AS INTEGER) <> l.RESERVEDEACHES`,
      ),
    ).toBe(0);
    // Every DC-WEST balance is off (cases, not eaches); DC-EAST only where last night's receipts landed.
    const west = one(
      `SELECT COUNT(*) ${joined} WHERE b.location_code = '${UOM_FAULT_DC.cloud}' AND CAST(b.qty_on_hand AS INTEGER) <> l.ONHANDEACHES`,
    );
    expect(west).toBe(a.built.expected.planted[0]!.rows);
    expect(west).toBeGreaterThan(0);
    expect(e.missingInCloud + e.missingInLegacy + e.duplicateKeys).toBe(0);
    db.close();
  });

  it('refunds: timestamps shifted, batch lag, unmapped status, and one-cent rounding only inside tolerance', () => {
    const e = a.built.expected.refunds;
    const db = openBoth(a.dir);
    const rows = db
      .prepare(
        `SELECT l.REFUNDID, l.AMOUNTCENTS, l.TAXCENTS, l.STATUS, l.CREATEDDATETIME, r.refund_id, r.amount, r.tax_amount,
                r.status AS cstatus, r.refunded_at
         FROM RETAILREFUND l LEFT JOIN c.refunds r ON r.refund_id = l.REFUNDID`,
      )
      .all() as Record<string, string | number | null>[];
    expect(rows.length).toBe(e.legacyRows);
    const present = rows.filter((r) => r.refund_id !== null);
    expect(rows.length - present.length).toBe(e.missingInCloud);
    expect(present.length).toBe(e.cloudRows);
    const cents = (t: unknown) => Math.round(Number(t) * 100);
    const amountDelta = present.map((r) => Math.abs(cents(r.amount) - Number(r.AMOUNTCENTS)));
    const taxDelta = present.map((r) => Math.abs(cents(r.tax_amount) - Number(r.TAXCENTS)));
    // One-cent differences exist (planted), none larger: the 0.01 tolerance absorbs all of them.
    expect(Math.max(...amountDelta, ...taxDelta)).toBe(1);
    expect(amountDelta.filter((d) => d === 1).length).toBe(
      a.built.expected.planted.find((p) => !p.reported)!.rows,
    );
    const map = REFUND_STATUSES as Record<string, string>;
    expect(present.filter((r) => (map[String(r.STATUS)] ?? r.STATUS) !== r.cstatus).length).toBe(
      e.fieldMismatches.status,
    );
    // New York is UTC-4 until 1 Nov 2026 06:00Z, then UTC-5: any other gap is a shifted refund.
    let shifted = 0;
    for (const r of present) {
      const utc = Date.parse(String(r.refunded_at));
      const gapHours = (Date.parse(String(r.CREATEDDATETIME).replace(' ', 'T') + 'Z') - utc) / 3_600_000;
      const offset = utc < Date.parse('2026-11-01T06:00:00Z') ? -4 : -5;
      if (gapHours !== offset) {
        expect(gapHours).toBe(0);
        shifted++;
      }
    }
    expect(shifted).toBe(e.fieldMismatches.refunded_at);
    expect(Object.keys(e.fieldMismatches).sort()).toEqual(['refunded_at', 'status']);
    db.close();
  });

  it('postings: one journal posted twice in the cloud, one unbalanced in legacy', () => {
    const e = a.built.expected.postings;
    const db = openBoth(a.dir);
    const one = (sql: string) => Object.values(db.prepare(sql).get() as object)[0] as number;
    expect(one('SELECT COUNT(*) FROM LEDGERJOURNALTRANS')).toBe(e.legacyRows);
    expect(one('SELECT COUNT(*) FROM c.journal_lines')).toBe(e.cloudRows);
    expect(
      one(
        'SELECT COUNT(*) FROM (SELECT 1 FROM c.journal_lines GROUP BY journal_id, line_no HAVING COUNT(*) > 1)',
      ),
    ).toBe(e.duplicateKeys);
    expect(
      one(`SELECT COUNT(*) FROM (SELECT JOURNALNUM FROM LEDGERJOURNALTRANS GROUP BY JOURNALNUM
           HAVING SUM(CASE DRCR WHEN 'D' THEN AMOUNTMST ELSE -AMOUNTMST END) <> 0)`),
    ).toBe(e.unbalancedJournals!.legacy);
    expect(
      one(`SELECT COUNT(*) FROM (SELECT journal_id FROM c.journal_lines GROUP BY journal_id
           HAVING SUM(CAST(ROUND(balance * 100) AS INTEGER)) <> 0)`),
    ).toBe(e.unbalancedJournals!.cloud);
    expect(
      one(`SELECT COUNT(*) FROM c.journal_lines j LEFT JOIN LEDGERJOURNALTRANS l
             ON l.JOURNALNUM = j.journal_id AND l.LINENUM = j.line_no WHERE l.JOURNALNUM IS NULL`),
    ).toBe(e.missingInLegacy);
    db.close();
  });

  it('events: last night in the legacy system, not yet in the cloud, and replaying them closes the gap', () => {
    const lines = fs.readFileSync(path.join(a.dir, 'events.jsonl'), 'utf8').trim().split('\n');
    const events = lines.map((l) => JSON.parse(l));
    expect(events.length).toBe(a.built.expected.events.total);
    expect(new Set(events.map((ev) => ev.type))).toEqual(
      new Set(['inventory.adjusted', 'transfer.received', 'receipt.posted', 'refund.issued']),
    );
    const times = events.map((ev) => ev.occurredAt);
    expect([...times].sort()).toEqual(times);
    const db = openBoth(a.dir);
    const refund = db.prepare('SELECT refund_id FROM c.refunds WHERE refund_id = ?').pluck();
    const legacyRefund = db.prepare('SELECT AMOUNTCENTS FROM RETAILREFUND WHERE REFUNDID = ?').pluck();
    const mapping = parse(fs.readFileSync(path.join(a.dir, 'mappings', 'inventory.yaml'), 'utf8'));
    const legacyQty = db
      .prepare(`SELECT ONHANDEACHES FROM (${mapping.legacy.query}) WHERE ITEMID = ? AND LOCATIONCODE = ?`)
      .pluck();
    const cloudQty = db
      .prepare('SELECT qty_on_hand FROM c.inventory_balance WHERE sku = ? AND location_code = ?')
      .pluck();
    for (const ev of events) {
      expect(ev.id).toMatch(/^evt-\d{6}$/);
      if (ev.type === 'refund.issued') {
        expect(refund.get(ev.payload.refundId)).toBeUndefined();
        expect(Math.round(Number(ev.payload.amount) * 100)).toBe(
          Number(legacyRefund.get(ev.payload.refundId)),
        );
      } else {
        const legacyCode = DCS.find((d) => d.cloud === ev.payload.location)?.legacy ?? ev.payload.location;
        const after = Number(cloudQty.get(ev.payload.sku, ev.payload.location)) + Number(ev.payload.delta);
        expect(after).toBe(Number(legacyQty.get(ev.payload.sku, legacyCode)));
      }
    }
    db.close();
  });

  it('rebuilds in place: a second build in the same folder replaces the databases whole', () => {
    const dir = tempDir();
    buildDemoDatabases({ dir, seed: 1, scale: 0.2 });
    const first = databaseHash(path.join(dir, 'cloud.db'));
    fs.writeFileSync(path.join(dir, 'cloud.db-wal'), 'stale');
    buildDemoDatabases({ dir, seed: 2, scale: 0.2 });
    expect(databaseHash(path.join(dir, 'cloud.db'))).not.toBe(first);
    expect(fs.existsSync(path.join(dir, 'cloud.db-wal'))).toBe(false);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

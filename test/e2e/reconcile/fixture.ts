/**
 * A dual-run scenario whose true differences are known in advance: an inventory table written to a
 * "legacy" and a "cloud" store (SQLite or PostgreSQL) in each engine's own shapes, with differences
 * of every class planted, plus a small reference classifier and control totals computed
 * independently of cutover from the same rows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { z } from 'zod';

export interface InvRow {
  sku: string;
  location: string;
  /** Exact decimal text as the system stores it (legacy: as typed; cloud: full scale). */
  onHand: string;
  unitCost: string;
  status: string | null;
  updatedAt: Date;
}

export interface Scenario {
  legacy: InvRow[];
  cloud: InvRow[];
  planted: { mismatchOnHand: number; nullVsEmpty: number; absorbed: number; missingInCloud: number };
}

const LOCATIONS = ['DC-EAST', 'DC-WEST', 'STORE-0042'];
const pad = (n: number, w: number) => String(n).padStart(w, '0');
/** Units of a decimal text at a scale (test oracle; independent of cutover's parser). */
export function units(text: string, scale: number): bigint {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`bad decimal ${text}`);
  let digits = (m[2] || '0') + (m[3] ?? '');
  let exp = Number(m[4] ?? 0) - (m[3] ?? '').length + scale;
  if (exp < 0) {
    if (!/^0*$/.test(digits.slice(digits.length + exp))) throw new Error(`too many digits: ${text}`);
    digits = digits.slice(0, digits.length + exp) || '0';
    exp = 0;
  }
  const v = BigInt(digits) * 10n ** BigInt(exp);
  return m[1] === '-' ? -v : v;
}
/** Formats units at a scale. */
export function fmt(u: bigint, scale: number): string {
  const neg = u < 0n;
  let s = (neg ? -u : u).toString().padStart(scale + 1, '0');
  if (scale) s = `${s.slice(0, -scale)}.${s.slice(-scale)}`;
  return neg ? `-${s}` : s;
}
/** Drops trailing fractional zeros: how a legacy system might hand a decimal over ('12.500' → '12.5'). */
const short = (t: string) => (t.includes('.') ? t.replace(/0+$/, '').replace(/\.$/, '') : t);

/** Builds the scenario: `n` base keys, differences planted by rule, counted in `planted`. */
export function buildScenario(n = 240): Scenario {
  const legacy: InvRow[] = [];
  const cloud: InvRow[] = [];
  const planted = { mismatchOnHand: 0, nullVsEmpty: 0, absorbed: 0, missingInCloud: 0 };
  const when = (i: number) => new Date(Date.UTC(2026, 10, 15 + (i % 10), 10 + (i % 8), (i * 7) % 60));
  for (let i = 1; i <= n; i++) {
    const base: InvRow = {
      sku: `SKU-${pad(i, 4)}`,
      location: LOCATIONS[i % 3]!,
      onHand: `${(i * 37) % 500}.${pad((i * 113) % 1000, 3)}`,
      unitCost: `${i % 50}.${pad((i * 7919) % 10000, 4)}`,
      status: i % 7 === 0 ? 'quarantine' : 'sellable',
      updatedAt: when(i),
    };
    const l = { ...base, onHand: short(base.onHand), unitCost: short(base.unitCost) };
    const c = { ...base };
    if (i % 20 === 1) {
      c.onHand = fmt(units(base.onHand, 3) + 1000n, 3);
      planted.mismatchOnHand++;
    }
    if (i % 45 === 2) {
      l.status = null;
      c.status = '';
      planted.nullVsEmpty++;
    }
    if (i % 30 === 3) {
      c.unitCost = fmt(units(base.unitCost, 4) + 40n, 4); // 0.0040 < tolerance 0.005
      planted.absorbed++;
    }
    legacy.push(l);
    if (i === 5) legacy.push({ ...l }); // a key seen twice on the legacy side
    if (i % 50 === 4) planted.missingInCloud++;
    else cloud.push(c);
  }
  const at = when(3);
  const both = (sku: string, onL: string, onC: string) => {
    legacy.push({ sku, location: 'DC-EAST', onHand: onL, unitCost: '1', status: 'sellable', updatedAt: at });
    cloud.push({
      sku,
      location: 'DC-EAST',
      onHand: onC,
      unitCost: '1.0000',
      status: 'sellable',
      updatedAt: at,
    });
  };
  // Case-insensitive collation traps: 'a' and 'A' are two keys; 'b' and 'B' are not the same key.
  both('a', '1', '1.000');
  both('A', '2', '2.000');
  legacy.push({
    sku: 'b',
    location: 'DC-EAST',
    onHand: '3',
    unitCost: '1',
    status: 'sellable',
    updatedAt: at,
  });
  cloud.push({
    sku: 'B',
    location: 'DC-EAST',
    onHand: '3.000',
    unitCost: '1.0000',
    status: 'sellable',
    updatedAt: at,
  });
  // Decimal spellings that are equal: -0 = 0, 1.05E1 = 10.500.
  both('ZERO', '-0', '0.000');
  both('EXP', '1.05E1', '10.500');
  for (let k = 1; k <= 3; k++)
    cloud.push({
      sku: `NEW-${pad(k, 4)}`,
      location: 'STORE-0042',
      onHand: `${k}.000`,
      unitCost: '2.5000',
      status: 'sellable',
      updatedAt: when(k),
    });
  return { legacy, cloud, planted };
}

export interface Expected {
  counts: {
    legacy: number;
    cloud: number;
    matched: number;
    mismatched: number;
    missingInCloud: number;
    missingInLegacy: number;
    duplicateKeys: number;
  };
  fieldMismatches: Record<string, number>;
  /** "type|sku|location" for every difference. */
  differences: string[];
  /** on_hand by location, and Σ on_hand × unit_cost, per side. */
  totals: {
    location: Record<string, { legacy: bigint; cloud: bigint }>;
    value: { legacy: bigint; cloud: bigint };
  };
}

/** In the window [since, until) on updatedAt. */
export function inWindow(r: InvRow, since?: Date, until?: Date): boolean {
  return (!since || r.updatedAt >= since) && (!until || r.updatedAt < until);
}

/** The reference classification of the scenario (a plain nested-loop reading, no engine code). */
export function expectedOf(s: Scenario, since?: Date, until?: Date): Expected {
  const L = s.legacy.filter((r) => inWindow(r, since, until));
  const C = s.cloud.filter((r) => inWindow(r, since, until));
  const keyOf = (r: InvRow) => `${r.sku.trim()}|${r.location}`;
  const group = (rows: InvRow[]) => {
    const m = new Map<string, InvRow[]>();
    for (const r of rows) m.set(keyOf(r), [...(m.get(keyOf(r)) ?? []), r]);
    return m;
  };
  const gl = group(L);
  const gc = group(C);
  const counts = {
    legacy: L.length,
    cloud: C.length,
    matched: 0,
    mismatched: 0,
    missingInCloud: 0,
    missingInLegacy: 0,
    duplicateKeys: 0,
  };
  const fieldMismatches: Record<string, number> = {};
  const differences: string[] = [];
  for (const key of new Set([...gl.keys(), ...gc.keys()])) {
    const l = gl.get(key) ?? [];
    const c = gc.get(key) ?? [];
    if (l.length > 1 || c.length > 1) {
      for (const rows of [l, c])
        if (rows.length > 1) {
          counts.duplicateKeys++;
          differences.push(`duplicate_key|${key}`);
        }
      continue;
    }
    if (!c.length) {
      counts.missingInCloud++;
      differences.push(`missing_in_cloud|${key}`);
      continue;
    }
    if (!l.length) {
      counts.missingInLegacy++;
      differences.push(`missing_in_legacy|${key}`);
      continue;
    }
    const a = l[0]!;
    const b = c[0]!;
    const bad: string[] = [];
    if (units(a.onHand, 3) !== units(b.onHand, 3)) bad.push('on_hand');
    const dc = units(a.unitCost, 4) - units(b.unitCost, 4);
    if (dc > 50n || dc < -50n) bad.push('unit_cost');
    if (a.status !== b.status) bad.push('status');
    if (bad.length) {
      counts.mismatched++;
      for (const f of bad) fieldMismatches[f] = (fieldMismatches[f] ?? 0) + 1;
      differences.push(`mismatch|${key}`);
    } else counts.matched++;
  }
  const location: Expected['totals']['location'] = {};
  const value = { legacy: 0n, cloud: 0n };
  for (const [side, rows] of [
    ['legacy', L],
    ['cloud', C],
  ] as const) {
    for (const r of rows) {
      const t = (location[r.location] ??= { legacy: 0n, cloud: 0n });
      t[side] += units(r.onHand, 3);
      value[side] += units(r.onHand, 3) * units(r.unitCost, 4);
    }
  }
  return { counts, fieldMismatches, differences: differences.sort(), totals: { location, value } };
}

/** The inventory mapping over the two tables; `legacyTz` is the zone of the legacy side's naive times. */
export function inventoryMapping(
  opts: { legacyTz?: string; name?: string; legacyQuery?: string; cloudQuery?: string } = {},
): string {
  const source = (table: string, query?: string) =>
    query ? `query: "${query.replace(/"/g, '\\"')}"` : `table: ${table}`;
  return `name: ${opts.name ?? 'inventory'}
domain: inventory
key: [sku, location]
fields:
  sku:        { type: string, trim: true }
  location:   { type: string }
  on_hand:    { type: decimal, scale: 3 }
  unit_cost:  { type: decimal, scale: 4, tolerance: "0.005" }
  status:     { type: string }
  updated_at: { type: timestamp, compare: false }
window: { field: updated_at }
legacy:
  connection: legacy
  ${source('INVENTSUM', opts.legacyQuery)}
${opts.legacyTz ? `  timezone: ${opts.legacyTz}\n` : ''}  columns:
    sku: ITEMID
    location: INVENTLOCATIONID
    on_hand: PHYSICALINVENT
    unit_cost: COSTPRICE
    status: STATUS
    updated_at: MODIFIEDDATETIME
cloud:
  connection: cloud
  ${source('inventory_balance', opts.cloudQuery)}
  columns: { sku: sku, location: location_code, on_hand: qty_on_hand, unit_cost: unit_cost, status: status, updated_at: updated_at }
`;
}

/** A naive wall-clock text of an instant in a zone ('2026-11-20 05:00:00'). */
export function wallTime(d: Date, zone: string): string {
  const p = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(d);
  const g = (t: string) => p.find((x) => x.type === t)!.value;
  return `${g('year')}-${g('month')}-${g('day')} ${g('hour')}:${g('minute')}:${g('second')}`;
}

export const LEGACY_TZ = 'America/New_York';

/** Writes the legacy table into a SQLite file: CHAR-padded item ids, decimals as typed, naive local times. */
export function writeSqliteLegacy(file: string, rows: InvRow[]): void {
  const db = new Database(file);
  db.exec(`CREATE TABLE INVENTSUM (ITEMID CHAR(12), INVENTLOCATIONID TEXT, PHYSICALINVENT TEXT,
           COSTPRICE TEXT, STATUS TEXT, MODIFIEDDATETIME TEXT)`);
  const ins = db.prepare('INSERT INTO INVENTSUM VALUES (?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (const r of rows)
      ins.run(r.sku.padEnd(12), r.location, r.onHand, r.unitCost, r.status, wallTime(r.updatedAt, LEGACY_TZ));
  })();
  db.close();
}

/** Writes the cloud table into a SQLite file: NUMERIC affinity (SQLite keeps them as REAL), UTC times. */
export function writeSqliteCloud(file: string, rows: InvRow[]): void {
  const db = new Database(file);
  db.exec(`CREATE TABLE inventory_balance (sku TEXT, location_code TEXT, qty_on_hand NUMERIC, unit_cost NUMERIC,
           status TEXT, updated_at TEXT)`);
  const ins = db.prepare('INSERT INTO inventory_balance VALUES (?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (const r of rows)
      ins.run(
        r.sku,
        r.location,
        r.onHand,
        r.unitCost,
        r.status,
        r.updatedAt.toISOString().replace('T', ' ').replace('Z', ''),
      );
  })();
  db.close();
}

async function withPg<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function insertAll(c: pg.Client, table: string, cols: number, rows: unknown[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) {
    const chunk = rows.slice(i, i + 200);
    const values = chunk.map(
      (_, r) => `(${Array.from({ length: cols }, (_, k) => `$${r * cols + k + 1}`).join(', ')})`,
    );
    await c.query(`INSERT INTO ${table} VALUES ${values.join(', ')}`, chunk.flat());
  }
}

/** Writes the legacy table into PostgreSQL: char(12) item ids, numeric, timestamp without time zone (local). */
export async function writePgLegacy(url: string, rows: InvRow[]): Promise<void> {
  await withPg(url, async (c) => {
    await c.query(`CREATE TABLE "INVENTSUM" ("ITEMID" char(12), "INVENTLOCATIONID" varchar(20), "PHYSICALINVENT" numeric(19,6),
                   "COSTPRICE" numeric(19,6), "STATUS" varchar(20), "MODIFIEDDATETIME" timestamp)`);
    await insertAll(
      c,
      '"INVENTSUM"',
      6,
      rows.map((r) => [r.sku, r.location, r.onHand, r.unitCost, r.status, wallTime(r.updatedAt, LEGACY_TZ)]),
    );
  });
}

/** Writes the cloud table into PostgreSQL: text keys, numeric at scale, timestamptz. */
/**
 * Writes the legacy table into MariaDB/MySQL, as an older back office would hold it: CHAR(12) keys,
 * DECIMAL(19,6), a naive DATETIME in the store's zone, and the server's default case-insensitive,
 * PAD SPACE collation (where 'a' = 'A ' is true: the keys must still be compared exactly).
 */
export async function writeMysqlLegacy(url: string, rows: InvRow[]): Promise<void> {
  const c = await mysql.createConnection({ uri: url });
  try {
    await c.query(`CREATE TABLE INVENTSUM (ITEMID CHAR(12), INVENTLOCATIONID VARCHAR(20), PHYSICALINVENT DECIMAL(19,6),
                   COSTPRICE DECIMAL(19,6), STATUS VARCHAR(20), MODIFIEDDATETIME DATETIME)
                   CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
    const values = rows.map((r) => [
      r.sku,
      r.location,
      r.onHand,
      r.unitCost,
      r.status,
      wallTime(r.updatedAt, LEGACY_TZ),
    ]);
    for (let i = 0; i < values.length; i += 500)
      await c.query('INSERT INTO INVENTSUM VALUES ?', [values.slice(i, i + 500)]);
  } finally {
    await c.end();
  }
}

export async function writePgCloud(url: string, rows: InvRow[]): Promise<void> {
  await withPg(url, async (c) => {
    await c.query(`CREATE TABLE inventory_balance (sku text, location_code text, qty_on_hand numeric(18,3),
                   unit_cost numeric(12,4), status text, updated_at timestamptz)`);
    await insertAll(
      c,
      'inventory_balance',
      6,
      rows.map((r) => [r.sku, r.location, r.onHand, r.unitCost, r.status, r.updatedAt.toISOString()]),
    );
  });
}

/** A project folder: cutover.yaml with the two connections, a control store, mappings. */
export function makeProject(
  connections: { legacy: string; cloud: string },
  mappings: Record<string, string>,
): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-rec-'));
  fs.mkdirSync(path.join(dir, 'mappings'));
  fs.writeFileSync(
    path.join(dir, 'cutover.yaml'),
    `connections:\n  legacy: { url: "${connections.legacy}" }\n  cloud: { url: "${connections.cloud}" }\ncontrol: { url: "sqlite:.cutover/control.db" }\n`,
  );
  for (const [name, text] of Object.entries(mappings))
    fs.writeFileSync(path.join(dir, 'mappings', `${name}.yaml`), text);
  return dir;
}

const decimalText = z.string().regex(/^-?\d+(\.\d+)?$/);
const counts = z
  .object({
    legacy: z.number().int(),
    cloud: z.number().int(),
    matched: z.number().int(),
    mismatched: z.number().int(),
    missingInCloud: z.number().int(),
    missingInLegacy: z.number().int(),
    duplicateKeys: z.number().int(),
    unbalancedJournals: z.number().int().optional(),
  })
  .strict();

/** The `reconcile --json` summary of one mapping (SPEC: Reconciliation results). */
export const summarySchema = z.object({
  runId: z.string().regex(/^r_\d{8}_\d{4}_[A-Za-z0-9_.-]+$/),
  name: z.string(),
  status: z.enum(['clean', 'differences']),
  counts,
  fieldMismatches: z.record(z.string(), z.number().int().positive()),
  totals: z.array(
    z
      .object({
        group: z.string(),
        by: z.record(z.string(), z.string().nullable()),
        field: z.string(),
        legacy: decimalText,
        cloud: decimalText,
        difference: decimalText,
        scale: z.number().int().optional(),
      })
      .strict(),
  ),
  domain: z.string().optional(),
  checks: z.record(z.string(), z.unknown()).optional(),
  exceptions: z
    .object({
      opened: z.number(),
      updated: z.number(),
      resolved: z.number(),
      reopened: z.number().optional(),
    })
    .optional(),
  reports: z.record(z.string(), z.string()),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number(),
  window: z
    .object({ field: z.string(), since: z.string().optional(), until: z.string().optional() })
    .optional(),
  systems: z.object({
    legacy: z.object({ connection: z.string(), url: z.string(), source: z.string(), rows: z.number() }),
    cloud: z.object({ connection: z.string(), url: z.string(), source: z.string(), rows: z.number() }),
  }),
  spilled: z.boolean().optional(),
});
export type Summary = z.infer<typeof summarySchema>;

/** One line of differences.jsonl. */
export const differenceLineSchema = z.object({
  type: z.enum(['mismatch', 'missing_in_cloud', 'missing_in_legacy', 'duplicate_key', 'unbalanced_journal']),
  key: z.record(z.string(), z.string().nullable()),
  fields: z
    .record(
      z.string(),
      z.object({
        legacy: z.string().nullable(),
        cloud: z.string().nullable(),
        delta: z.string().nullable().optional(),
      }),
    )
    .optional(),
  side: z.enum(['legacy', 'cloud']).optional(),
  count: z.number().optional(),
  legacy: z.record(z.string(), z.string().nullable()).optional(),
  cloud: z.record(z.string(), z.string().nullable()).optional(),
  balance: z.object({ debit: z.string(), credit: z.string(), difference: z.string() }).optional(),
});

/** The lines of a run's differences.jsonl, schema-checked. */
export function readDifferences(dir: string, runId: string): z.infer<typeof differenceLineSchema>[] {
  const text = fs.readFileSync(path.join(dir, 'reports', runId, 'differences.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => differenceLineSchema.parse(JSON.parse(l)));
}

/**
 * Queries that add, on each side, a row outside the test window whose quantity cannot be read: a run
 * with the window succeeds only if the window was pushed down into the SQL of both sides.
 */
export const POISONED = {
  sqlite: {
    legacyQuery:
      "SELECT ITEMID, INVENTLOCATIONID, PHYSICALINVENT, COSTPRICE, STATUS, MODIFIEDDATETIME FROM INVENTSUM UNION ALL SELECT 'BAD', 'DC-EAST', 'n/a', '1', 'x', '2026-11-01 00:00:00'",
    cloudQuery:
      "SELECT sku, location_code, qty_on_hand, unit_cost, status, updated_at FROM inventory_balance UNION ALL SELECT 'BAD', 'DC-EAST', 'n/a', '1', 'x', '2026-11-01 00:00:00.000'",
  },
  mysql: {
    legacyQuery:
      "SELECT ITEMID, INVENTLOCATIONID, CAST(PHYSICALINVENT AS CHAR) AS PHYSICALINVENT, CAST(COSTPRICE AS CHAR) AS COSTPRICE, STATUS, MODIFIEDDATETIME FROM INVENTSUM UNION ALL SELECT 'BAD', 'DC-EAST', 'n/a', '1', 'x', TIMESTAMP '2026-11-01 00:00:00'",
  },
  postgres: {
    legacyQuery: `SELECT "ITEMID", "INVENTLOCATIONID", "PHYSICALINVENT"::text AS "PHYSICALINVENT", "COSTPRICE"::text AS "COSTPRICE", "STATUS", "MODIFIEDDATETIME" FROM "INVENTSUM" UNION ALL SELECT 'BAD', 'DC-EAST', 'n/a', '1', 'x', timestamp '2026-11-01 00:00:00'`,
    cloudQuery:
      "SELECT sku, location_code, qty_on_hand::text AS qty_on_hand, unit_cost::text AS unit_cost, status, updated_at FROM inventory_balance UNION ALL SELECT 'BAD', 'DC-EAST', 'n/a', '1', 'x', timestamptz '2026-11-01 00:00:00Z'",
  },
};

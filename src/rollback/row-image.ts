import { tryParseExact } from '../util/exact-decimal.js';
import { canonicalJson } from './plan-hash.js';
import type { RowImage } from './plan-types.js';

/**
 * Rows are compared as the replay ledger stored them (JSON) against what the driver returns now.
 * Both go through `plainValue` first (Date → ISO text, bigint → text, Buffer → hex, objects → JSON),
 * and two numbers are equal when they are equal as exact decimals ("10.000" = 10), never as floats.
 */
export function plainValue(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? String(v) : v.toISOString();
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (typeof v === 'object') return canonicalJson(v);
  return v;
}

/** A row as plain JSON values (what a plan stores). */
export function plainRow(row: Record<string, unknown>): RowImage {
  const out: RowImage = Object.create(null) as RowImage;
  for (const [k, v] of Object.entries(row)) out[k] = plainValue(v);
  return out;
}

/** Exact equality of two column values after plainValue (numbers by exact decimal value). */
export function sameValue(a: unknown, b: unknown): boolean {
  // A `date` column: PostgreSQL renders it as 2026-11-26 in the ledger's images, the driver reads it
  // back as local midnight.
  if (a instanceof Date && typeof b === 'string' && DATE_ONLY.test(b)) return localDate(a) === b;
  if (b instanceof Date && typeof a === 'string' && DATE_ONLY.test(a)) return localDate(b) === a;
  const x = plainValue(a);
  const y = plainValue(b);
  if (x === y) return true;
  if (x === null || y === null) return false;
  if (typeof x === 'boolean' || typeof y === 'boolean') return boolNum(x) === boolNum(y);
  const dx = tryParseExact(x);
  const dy = tryParseExact(y);
  if (dx && dy) {
    const s = Math.max(dx.scale, dy.scale);
    return dx.units * 10n ** BigInt(s - dx.scale) === dy.units * 10n ** BigInt(s - dy.scale);
  }
  const tx = timeOf(x);
  const ty = timeOf(y);
  // A json/jsonb column: the ledger keeps PostgreSQL's text of it, a driver may hand back the parsed document.
  const jx = jsonOf(x);
  const jy = jsonOf(y);
  if (jx !== undefined && jy !== undefined) return jx === jy;
  // A driver's Date holds milliseconds only: against it, the digits past the millisecond cannot count.
  if (tx !== undefined && ty !== undefined)
    return a instanceof Date || b instanceof Date ? tx.split('.')[0] === ty.split('.')[0] : tx === ty;
  return String(x) === String(y);
}

/** The canonical JSON of a JSON object or array written as text; undefined for anything else. */
function jsonOf(v: unknown): string | undefined {
  if (typeof v !== 'string' || !/^\s*[[{]/.test(v)) return undefined;
  try {
    return canonicalJson(JSON.parse(v));
  } catch {
    return undefined;
  }
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const localDate = (d: Date): string =>
  `${String(d.getFullYear()).padStart(4, '0')}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/** SQLite keeps booleans as 0/1. */
function boolNum(v: unknown): unknown {
  return v === true ? 1 : v === false ? 0 : typeof v === 'string' && /^[01]$/.test(v) ? Number(v) : v;
}

/** Timestamps written as text by one side and read back as Date by the other compare by instant. */
function timeOf(v: unknown): string | undefined {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(v)) return undefined;
  // PostgreSQL's text form (`2026-11-25 22:00:00.345678+00`) and its JSON form
  // (`2026-11-25T22:00:00.345678+00:00`) as well as ISO text with Z: to the millisecond by
  // Date.parse, and the digits past the millisecond compared as they are.
  const iso = v.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00');
  const frac = /\.(\d+)/.exec(iso)?.[1] ?? '';
  const t = Date.parse(iso.replace(/\.(\d{3})\d+/, '.$1'));
  return Number.isNaN(t) ? undefined : `${t}.${frac.slice(3).replace(/0+$/, '')}`;
}

/** The columns on which two rows differ (every column of either), empty when they are the same row. */
export function rowDiff(expected: RowImage, actual: Record<string, unknown>): string[] {
  const cols = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  return [...cols].filter((c) => !sameValue(expected[c], actual[c]));
}

/** Picks `cols` out of a row. */
export function pick(row: RowImage, cols: string[]): RowImage {
  const out: RowImage = Object.create(null) as RowImage;
  for (const c of cols) out[c] = row[c] ?? null;
  return out;
}

/** The identity of a row in a target: connection, table and the canonical `where` values. */
export function identityOf(target: string, table: string, where: RowImage): string {
  const w: Record<string, unknown> = {};
  for (const k of Object.keys(where).sort()) {
    const v = plainValue(where[k]);
    const d = tryParseExact(v);
    // 7 and "7" and "7.0" are the same key value.
    w[k] = d && typeof v !== 'boolean' ? `#${d.units * 10n ** BigInt(12 - Math.min(12, d.scale))}` : v;
  }
  return `${target}\u0000${table}\u0000${JSON.stringify(w)}`;
}

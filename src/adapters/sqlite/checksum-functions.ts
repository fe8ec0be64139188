/**
 * Checksum pushdown on SQLite: the forms of checksum-sql.ts as functions registered on the
 * connection. They see the very values a read yields (64-bit integers as BigInt, REAL as numbers,
 * text), and write each one's form as every other dialect's SQL does: exact by construction.
 * A value the engine would refuse (not a number, not a timestamp) gets the side's marker, so its
 * bucket is streamed and the engine reports it as it always does.
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { formatDecimal, parseExact, pow10, rescale } from '../../util/exact-decimal.js';
import { formatInstant, parseInstant } from '../../util/instant.js';
import { booleanText, dateText, scalarText } from '../../util/scalar-text.js';

type Value = string | number | bigint | Buffer | null;

/** A value's text as the normalizer reads a string field: numbers in their shortest round-trip text. */
const textOf: (v: Exclude<Value, null>) => string = scalarText;

/**
 * The fixed-scale text of a number: brought to scale by `round` (the engine's rounding), or, without
 * one, only when it has at most `scale` digits (else undefined, as for a value that is no number).
 */
export function numberForm(v: Exclude<Value, null>, scale: number, round = ''): string | undefined {
  if (v instanceof Uint8Array) return undefined;
  let d;
  try {
    d = parseExact(v);
  } catch {
    return undefined;
  }
  if (round === 'half-up' || round === 'truncate') return formatDecimal(rescale(d, scale, round), scale);
  if (d.scale <= scale) return formatDecimal(d.units * pow10(scale - d.scale), scale);
  const drop = pow10(d.scale - scale);
  return d.units % drop === 0n ? formatDecimal(d.units / drop, scale) : undefined;
}

function timestampForm(v: Exclude<Value, null>, zone: string): string | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    return formatInstant(parseInstant(v, zone || undefined), 'us');
  } catch {
    return undefined;
  }
}

/** Registers the checksum functions on a connection (deterministic: SQLite may reuse a result). */
export function registerChecksumFunctions(db: Database.Database): void {
  const opts = { deterministic: true, safeIntegers: true };
  db.function('cutover_md5', opts, (t: Value) =>
    createHash('md5')
      .update(t === null ? '' : textOf(t), 'utf8')
      .digest('hex'),
  );
  db.function('cutover_hexint', opts, (h: Value, start: Value, len: Value) =>
    BigInt(`0x${String(h).slice(Number(start) - 1, Number(start) - 1 + Number(len))}`),
  );
  db.function('cutover_prefixed', opts, (t: Value) => {
    const s = t === null ? '' : textOf(t);
    return `${Buffer.byteLength(s, 'utf8')}:${s}`;
  });
  db.function('cutover_text', opts, (v: Value, trim: Value) => {
    if (v === null) return null;
    const s = textOf(v);
    return Number(trim) ? s.replace(/^ +| +$/g, '') : s;
  });
  db.function('cutover_number', opts, (v: Value, scale: Value, x: Value, round: Value) =>
    v === null ? null : (numberForm(v, Number(scale), String(round ?? '')) ?? x),
  );
  db.function('cutover_boolean', opts, (v: Value, x: Value) => (v === null ? null : (booleanText(v) ?? x)));
  // Control totals: exact text throughout (SQLite's SUM over REAL is not exact).
  db.function('cutover_exact', opts, (v: Value, scale: Value, round: Value) =>
    v === null ? null : (numberForm(v, Number(scale), String(round ?? '')) ?? null),
  );
  db.function('cutover_multiply', opts, (a: Value, b: Value) => {
    if (a === null || b === null) return null;
    const x = parseExact(textOf(a));
    const y = parseExact(textOf(b));
    return formatDecimal(x.units * y.units, x.scale + y.scale);
  });
  type Acc = { units: bigint; scale: number } | null;
  db.aggregate('cutover_sum', {
    ...opts,
    start: () => null as Acc,
    step: ((acc: Acc, v: Value): Acc => {
      if (v === null) return acc;
      const d = parseExact(textOf(v));
      if (!acc) return d;
      const scale = Math.max(acc.scale, d.scale);
      return {
        units: acc.units * pow10(scale - acc.scale) + d.units * pow10(scale - d.scale),
        scale,
      };
    }) as never,
    result: ((acc: Acc) => (acc === null ? null : formatDecimal(acc.units, acc.scale))) as never,
  });
  db.function('cutover_date', opts, (v: Value, x: Value) =>
    v === null ? null : ((typeof v === 'string' ? dateText(v) : undefined) ?? x),
  );
  db.function('cutover_timestamp', opts, (v: Value, zone: Value, x: Value) =>
    v === null ? null : (timestampForm(v, String(zone ?? '')) ?? x),
  );
}

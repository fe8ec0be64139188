/**
 * The held form of a canonical row: how the compare engine keeps a row while it joins, in memory or
 * in a spill file. One line of text, `[key parts]<TAB>[compared values]<TAB>[carried values]`, each
 * part a JSON array (so no raw tab or newline), prefixed by "!" when a key part is NULL (such a row
 * never joins). The key text equals encodeKey's, so both sides and every thread hash it alike.
 * RowPacker (parallel-pack.ts) writes the same bytes without building strings.
 */
import type { Mapping } from '../config/mapping-schema.js';
import type { CanonicalRow, CanonicalValue } from './types.js';

/** Which fields a held line holds, part by part: the key, the compared fields, the carried ones (`compare: false`). */
export interface HeldLayout {
  keyFields: string[];
  cmpFields: string[];
  carryFields: string[];
}

/** The layout of a mapping's held lines: fields in mapping order within each part. */
export function heldLayout(mapping: Mapping): HeldLayout {
  const keyFields = mapping.key;
  const rest = Object.keys(mapping.fields).filter((f) => !keyFields.includes(f));
  return {
    keyFields,
    cmpFields: rest.filter((f) => mapping.fields[f]!.compare !== false),
    carryFields: rest.filter((f) => mapping.fields[f]!.compare === false),
  };
}

/** The first character code of a line whose key has a NULL part ("!"). */
export const NULL_KEY_MARK = 33;

// JSON.stringify escapes exactly these (and lone surrogates); text without them is quoted as is.
// eslint-disable-next-line no-control-regex
export const NEEDS_ESCAPE = /["\\\x00-\x1f\ud800-\udfff]/;
const quote = (v: CanonicalValue | undefined): string =>
  v === null || v === undefined ? 'null' : NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`;
// Canonical numbers, dates, timestamps and booleans never hold a character JSON escapes.
const quoteSafe = (v: CanonicalValue | undefined): string =>
  v === null || v === undefined ? 'null' : `"${v}"`;

/** A function writing the JSON array of some fields of a row, each quoted by what its type can hold. */
function arrayWriter(mapping: Mapping, fields: string[]): (row: CanonicalRow) => string {
  const quoters = fields.map((f) => (mapping.fields[f]!.type === 'string' ? quote : quoteSafe));
  return (row) => {
    let out = '[';
    for (let i = 0; i < fields.length; i++) out += (i ? ',' : '') + quoters[i]!(row[fields[i]!]);
    return `${out}]`;
  };
}

/** The encoder of a mapping's rows: each row's key text and its held line. */
export function lineEncoder(
  mapping: Mapping,
  layout: HeldLayout = heldLayout(mapping),
): (row: CanonicalRow) => [string, string] {
  const { keyFields } = layout;
  const keyJson = arrayWriter(mapping, keyFields);
  const cmpJson = arrayWriter(mapping, layout.cmpFields);
  const carryJson = arrayWriter(mapping, layout.carryFields);
  return (row) => {
    const keyText = keyJson(row);
    let hasNull = false;
    for (const k of keyFields) if (row[k] === null || row[k] === undefined) hasNull = true;
    const line = `${hasNull ? '!' : ''}${keyText}\t${cmpJson(row)}\t${carryJson(row)}`;
    return [keyText, line];
  };
}

/** The key text at the start of a line (up to the first tab), without the null-key mark. */
export function keyOfLine(line: string): string {
  const tab = line.indexOf('\t');
  const start = line.charCodeAt(0) === NULL_KEY_MARK ? 1 : 0;
  return line.slice(start, tab < 0 ? line.length : tab);
}

/** A held line read back: its key, its compared values in layout order, and the whole row. */
export interface HeldRow {
  key: Record<string, CanonicalValue>;
  cmp: CanonicalValue[];
  row: CanonicalRow;
}

/** Splits a held line back into the key and the row's canonical values. */
export function parseLine(layout: HeldLayout, line: string): HeldRow {
  const t1 = line.indexOf('\t');
  const t2 = line.indexOf('\t', t1 + 1);
  const start = line.charCodeAt(0) === NULL_KEY_MARK ? 1 : 0;
  const keyParts = JSON.parse(line.slice(start, t1)) as CanonicalValue[];
  const cmp = JSON.parse(line.slice(t1 + 1, t2)) as CanonicalValue[];
  const carry = JSON.parse(line.slice(t2 + 1)) as CanonicalValue[];
  const key: Record<string, CanonicalValue> = {};
  const row: CanonicalRow = {};
  layout.keyFields.forEach((f, i) => (key[f] = row[f] = keyParts[i] ?? null));
  layout.cmpFields.forEach((f, i) => (row[f] = cmp[i] ?? null));
  layout.carryFields.forEach((f, i) => (row[f] = carry[i] ?? null));
  return { key, cmp, row };
}

/** Where an FNV-1a hash starts for a seed: seed 0 is the partition's hash, another seed an independent one. */
export function hashStart(seed: number): number {
  return (0x811c9dc5 ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
}

/** FNV-1a over bytes `[from, to)` of `buf`, from `h`. */
export function hashBytes(buf: Uint8Array, from: number, to: number, h: number): number {
  for (let i = from; i < to; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h;
}

/** The last step of every hash here: mixes the high bits into the low ones (a modulo keeps those). */
export function mixHash(h: number): number {
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

/** Partitions per side: a row's partition is `partitionOfKey` of its encoded key (compare.ts). */
export const PARTITIONS = 256;

/**
 * Rows already encoded to held lines (by `lineEncoder`) as UTF-8, newline-terminated, grouped by
 * partition (`partitionOfKey`), each partition's lines in arrival order: partition p is
 * `bytes[offsets[p] .. offsets[p + 1])`. What RowPacker (parallel-pack.ts) writes, on a reader
 * thread or on the main thread, and what the join files.
 */
export interface EncodedBatch {
  rows: number;
  bytes: Uint8Array;
  offsets: Uint32Array;
  /**
   * Called by the consumer once it has stored the batch's lines (copied them): a reader thread's
   * batch hands its buffer back for another batch, and `bytes` is unusable after.
   */
  release?: () => void;
}

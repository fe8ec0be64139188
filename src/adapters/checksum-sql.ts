/**
 * Checksum pushdown's SQL, written once over a few primitives per dialect. Every dialect computes
 * the same text for a row (its "forms", docs/technical-explanation.md §9) and the same MD5 of it,
 * so buckets compare across engines: PostgreSQL against SQL Server, SQLite against MariaDB.
 *
 *   key text  = the key fields' forms joined by '|'
 *   row text  = key text, '#', the other fields' forms joined by '|'
 *   a string's form = its UTF-8 byte length, ':', its text
 *   bucket    = the top `bits` bits of md5(key text) (ChecksumRequest.bits)
 *   per bucket: count(*), count(distinct md5(key text)), sum of the first and of the second
 *               32 bits of md5(row text)
 *
 * Two sides of one dialect with typed hashing (ChecksumDialect.native) hash the values instead.
 *
 * A bucket is a hash of the key's bytes, never a range of keys: no collation takes part.
 */
import type {
  BucketSum,
  ChecksumRequest,
  ChecksumSpec,
  PushField,
  ReadRequest,
  TotalsRequest,
} from './types.js';
import { quoteQualified, type QuoteFn } from './sql-text.js';

/** What differs between engines in checksum SQL. Each takes and returns SQL expressions. */
export interface ChecksumDialect {
  quote: QuoteFn;
  /** Lower-case hex MD5 of a text's UTF-8 bytes. */
  md5(text: string): string;
  /** Texts joined. */
  concat(parts: string[]): string;
  /** The unsigned integer of `len` hex digits of `hex` from `start` (1-based). */
  hexInt(hex: string, start: number, len: number): string;
  /** A non-negative integer shifted right by `n` bits. */
  shiftRight(e: string, n: number): string;
  /** A string literal of safe text (digits, letters, '|', '#'). */
  literal(text: string): string;
  /** A string field's text before hashing (`c` not null): as it is, or space-trimmed. */
  text(c: string, f: PushField): string;
  /** The form of a non-null value of column `c` of any other field (`x`: the side's marker literal). */
  form(c: string, f: PushField, x: string): string;
  /** Aliases a derived table. */
  derived(sql: string, alias: string): string;
  /**
   * A numeric column as the exact number the engine makes of it: brought to `f.scale` by the
   * field's rounding where the dialect can (`f.round`), else as it is (values with more digits
   * are then counted by `excess`, and the caller does not trust the sums).
   */
  exact(c: string, f: PushField): string;
  /** Whether `exact` rounds (else every value with more digits than the scale is excess). */
  readonly rounds: boolean;
  /** A string's form: its UTF-8 byte length, ':', the text (injective however the text is made). */
  prefixed(column: string): string;
  /**
   * Typed hashing, used when both sides are this dialect (ChecksumSpec.hash = 'native'): no text
   * is built; each field's value is hashed as its type (seeded by its position, so that two
   * fields' values cannot trade places) and the row's hash is the XOR of its fields' hashes.
   */
  native?: {
    /** The signed 64-bit hash of a non-null value of column `c` in field `f`'s form; `x`: the side's marker hash. */
    value(c: string, f: PushField, seed: number, x: string): string;
    /** The hash of a constant text (NULL, the side's markers). */
    constant(text: string, seed: number): string;
    xor(parts: string[]): string;
    bits(h: string, shift: number, mask: number): string;
    /** The high (1) or low (2) 32 bits of a hash, as a signed 32-bit integer (cheap to sum). */
    half(h: string, i: 1 | 2): string;
  };
  /** The exact product of two exact numbers. */
  multiply(a: string, b: string): string;
  /** The exact sum of a group's numbers as text (NULL when all are NULL). */
  sumText(e: string): string;
  /** 1 when a non-null column's value has more digits than `scale`, else 0. */
  excess(c: string, scale: number): string;
}

const NULL_FORM = 'N';

/** The marker of a value the SQL cannot write exactly: it differs from anything on the other side. */
export function sideMarker(side: ChecksumSpec['side']): string {
  return `X${side}`;
}

/**
 * The checksum pipeline as nested derived tables, so that every hash is taken of a column
 * reference (SQL Server's COLLATE, which the UTF-8 bytes need, applies to one):
 *   a: each field's pre-form (strings: their text, trimmed where declared; others: their form)
 *   b: the key text and the row text
 *   c: their MD5s (`cutover_kh`, `cutover_rh`)
 * `carry` keeps the source's own columns alongside (a read of the differing buckets).
 */
function hashed(d: ChecksumDialect, spec: ChecksumSpec, carry: boolean): string {
  if (spec.hash === 'native' && d.native) return typedHashes(d, d.native, spec, carry);
  const all = [...spec.key, ...spec.fields];
  const x = d.literal(sideMarker(spec.side));
  const pre = all.map((f, i) => {
    const c = d.quote(f.column);
    if (f.form === 'string') return `${d.text(c, f)} AS cutover_f${i}`; // NULL in, NULL out
    return `CASE WHEN ${c} IS NULL THEN NULL ELSE ${d.form(c, f, x)} END AS cutover_f${i}`;
  });
  const a = firstStage(d, spec, carry, pre);
  // A NULL key part never joins (the engine reports the row missing on both sides): its side's
  // marker puts it in a bucket of its own side.
  const formOf = (f: PushField, i: number, isKey: boolean) => {
    const col = `a.cutover_f${i}`;
    const value = f.form === 'string' ? d.prefixed(col) : col;
    return `CASE WHEN ${col} IS NULL THEN ${isKey ? x : d.literal(NULL_FORM)} ELSE ${value} END`;
  };
  const keyForms = spec.key.map((f, i) => formOf(f, i, true));
  const restForms = spec.fields.map((f, i) => formOf(f, spec.key.length + i, false));
  const kt = joined(d, keyForms, '|');
  const rt = d.concat([kt, d.literal('#'), ...(restForms.length ? [joined(d, restForms, '|')] : [])]);
  const b = `SELECT ${carry ? 'a.*, ' : ''}${kt} AS cutover_kt, ${rt} AS cutover_rt FROM ${d.derived(a, 'a')}`;
  return `SELECT ${carry ? 'b.*, ' : ''}${d.md5('b.cutover_kt')} AS cutover_kh, ${d.md5('b.cutover_rt')} AS cutover_rh FROM ${d.derived(b, 'b')}`;
}

/**
 * The typed-hash pipeline (ChecksumDialect.native): each field's hash in one stage, the key's and
 * the row's XOR in the next, as `cutover_kh` and `cutover_rh`.
 */
function typedHashes(
  d: ChecksumDialect,
  n: NonNullable<ChecksumDialect['native']>,
  spec: ChecksumSpec,
  carry: boolean,
): string {
  const all = [...spec.key, ...spec.fields];
  const marker = sideMarker(spec.side);
  const hashes = all.map((f, i) => {
    const c = d.quote(f.column);
    const seed = i + 1;
    const x = n.constant(marker, seed);
    // A NULL key part: the side's marker (its own bucket, as in the MD5 texts).
    const nullHash = i < spec.key.length ? x : n.constant(NULL_FORM, seed);
    return `CASE WHEN ${c} IS NULL THEN ${nullHash} ELSE ${n.value(c, f, seed, x)} END AS cutover_h${i}`;
  });
  const a = firstStage(d, spec, carry, hashes);
  const col = (i: number) => `a.cutover_h${i}`;
  const kh = n.xor(spec.key.map((_, i) => col(i)));
  const rh = n.xor(all.map((_, i) => col(i)));
  return `SELECT ${carry ? 'a.*, ' : ''}${kh} AS cutover_kh, ${rh} AS cutover_rh FROM ${d.derived(a, 'a')}`;
}

/**
 * How buckets and row-hash halves are cut from a spec's hashes: hex digits of the MD5s (the same on
 * every engine), or bits of the dialect's typed 64-bit hashes when both sides are that dialect.
 */
function hashOf(
  d: ChecksumDialect,
  spec: ChecksumSpec,
): {
  /** The top `bits` bits (1–32) of the key hash. */
  bucket(kh: string, bits: number): string;
  half(rh: string, n: 1 | 2): string;
} {
  const n = spec.hash === 'native' ? d.native : undefined;
  if (n)
    return {
      bucket: (kh, bits) => n.bits(kh, 64 - bits, 2 ** bits - 1),
      half: (rh, i) => n.half(rh, i),
    };
  return {
    bucket: (kh, bits) => {
      const digits = Math.ceil(bits / 4);
      const v = d.hexInt(kh, 1, digits);
      return digits * 4 === bits ? v : d.shiftRight(v, digits * 4 - bits);
    },
    half: (rh, i) => d.hexInt(rh, i === 1 ? 1 : 9, 8),
  };
}

function joined(d: ChecksumDialect, parts: string[], sep: string): string {
  const out: string[] = [];
  parts.forEach((p, i) => {
    if (i) out.push(d.literal(sep));
    out.push(p);
  });
  return out.length === 1 ? out[0]! : d.concat(out);
}

function source(d: ChecksumDialect, spec: ChecksumSpec): string {
  return quoteQualified(spec.table, d.quote);
}

/**
 * The first stage of both pipelines: `columns` of each row of the source (behind the source's own
 * columns when `carry`: a read, whose WHERE then holds the mapping's filter; else filtered here).
 */
function firstStage(d: ChecksumDialect, spec: ChecksumSpec, carry: boolean, columns: string[]): string {
  const where = spec.where && !carry ? ` WHERE (${spec.where})` : '';
  return `SELECT ${carry ? 'cutover_t.*, ' : ''}${columns.join(', ')} FROM ${source(d, spec)} AS cutover_t${where}`;
}

function intList(values: readonly number[]): string {
  return values.map((v) => String(Math.trunc(v))).join(', ');
}

/** The statement of a checksum request: b, n, nk, s1, s2 per bucket. */
export function checksumSql(d: ChecksumDialect, req: ChecksumRequest): string {
  const h = hashOf(d, req.spec);
  const w = req.within;
  const filter = w
    ? ` WHERE ${h.bucket('i.cutover_kh', w.bits)} IN (${w.buckets.length ? intList(w.buckets) : '-1'})`
    : '';
  const mid = `SELECT ${h.bucket('i.cutover_kh', req.bits)} AS b, i.cutover_kh AS kh, ${h.half('i.cutover_rh', 1)} AS h1, ${h.half('i.cutover_rh', 2)} AS h2 FROM ${d.derived(hashed(d, req.spec, false), 'i')}${filter}`;
  // Counting distinct keys sorts every row: not needed where a unique index rules duplicates out.
  const nk = req.spec.uniqueKey ? 'COUNT(*)' : 'COUNT(DISTINCT q.kh)';
  return `SELECT q.b AS b, COUNT(*) AS n, ${nk} AS nk, SUM(q.h1) AS s1, SUM(q.h2) AS s2 FROM ${d.derived(mid, 'q')} GROUP BY q.b`;
}

/**
 * A read of the differing buckets (ReadRequest.buckets): the FROM source (the table with each
 * row's key hash alongside, as `cutover_b`) and the WHERE term (the hash in one of the selected
 * buckets; nothing for an empty selection). The mapping's `where` and the
 * read's columns apply to the source's own columns, carried through.
 */
export function bucketRead(
  d: ChecksumDialect,
  buckets: NonNullable<ReadRequest['buckets']>,
): { source: string; where: string } {
  const kh = 'cutover_b.cutover_kh';
  const h = hashOf(d, buckets.spec);
  const terms = buckets.select
    .filter((s) => s.buckets.length)
    .map((s) => `${h.bucket(kh, s.bits)} IN (${intList(s.buckets)})`);
  return {
    source: d.derived(hashed(d, buckets.spec, true), 'cutover_b'),
    where: terms.length ? `(${terms.join(' OR ')})` : '1 = 0',
  };
}

/**
 * A control total in SQL (TotalsRequest): `by` values, each measure's exact sum as text, and the
 * count of values with more digits than their scale.
 */
export function totalsSql(d: ChecksumDialect, req: TotalsRequest): string {
  const by = req.by.map((f) => d.quote(f.column));
  const numeric = new Map<string, number>();
  const measures = req.measures.map((m) => {
    if ('count' in m) return 'COUNT(*)';
    const fields = 'sum' in m ? [m.sum] : m.product;
    // A value the SQL does not bring to scale as the engine would is counted: the sums are then not used.
    for (const f of fields) if (!(f.round && d.rounds)) numeric.set(f.column, f.scale ?? 0);
    const [a, b] = fields.map((f) => d.exact(d.quote(f.column), f));
    return d.sumText(b === undefined ? a! : d.multiply(a!, b));
  });
  const excess = [...numeric].map(([c, s]) => d.excess(d.quote(c), s));
  const where = req.spec.where ? ` WHERE (${req.spec.where})` : '';
  const cols = [...by, ...measures, excess.length ? `SUM(${excess.join(' + ')})` : '0'];
  return `SELECT ${cols.join(', ')} FROM ${source(d, req.spec)} AS cutover_t${where}${by.length ? ` GROUP BY ${by.join(', ')}` : ''}`;
}

/** A figure of a checksum result as a number; NaN unless a safe integer. */
function figure(v: unknown): number {
  const n = Number(String(v ?? 0).replace(/\.0*$/, ''));
  return Number.isSafeInteger(n) ? n : NaN;
}

/** A checksum result row (b, n, nk, s1, s2, any driver's types) as a BucketSum. */
export function bucketSum(row: readonly unknown[]): BucketSum {
  return {
    bucket: figure(row[0]),
    rows: figure(row[1]),
    keys: figure(row[2]),
    h1: figure(row[3]),
    h2: figure(row[4]),
  };
}

/** A boolean kept as 0/1 (a BIT, a TINYINT(1)): anything else is no boolean, so the side's marker. */
function zeroOne(c: string, x: string): string {
  return `CASE WHEN ${c} = 1 THEN 'true' WHEN ${c} = 0 THEN 'false' ELSE ${x} END`;
}

/** 1 when a value has more digits than `s` (compared with ROUND on its own exact type), else 0. */
function roundExcess(c: string, s: number): string {
  return `CASE WHEN ${c} IS NOT NULL AND ${c} <> ROUND(${c}, ${s}) THEN 1 ELSE 0 END`;
}

/** PostgreSQL: md5(), bit strings for hex, to_char for times, numeric for numbers. */
export const pgChecksum: ChecksumDialect = {
  quote: (id) => `"${id.replace(/"/g, '""')}"`,
  md5: (t) => `md5(${t})`,
  concat: (parts) => `(${parts.join(' || ')})`,
  hexInt: (h, start, len) => `('x' || substr(${h}, ${start}, ${len}))::bit(${len * 4})::bigint`,
  shiftRight: (e, n) => `(${e} >> ${n})`,
  literal: (t) => `'${t}'`,
  // OFFSET 0 keeps each stage a stage: flattened, the planner would compute a hash once per use.
  derived: (sql, alias) => `(${sql} OFFSET 0) AS ${alias}`,
  prefixed: (c) => `(octet_length(${c}) || ':' || ${c})`,
  // PostgreSQL's own hash functions (stable across versions: hash partitioning relies on them).
  // Text bytewise whatever the column's collation (a nondeterministic one would hash 'a' as 'A');
  // numbers by value (12.5 and 12.50 alike, as the engine); times as microseconds in UTC.
  native: {
    value(c, f, seed, x) {
      switch (f.form) {
        case 'string':
          return `hashtextextended(${pgChecksum.text(c, f)} COLLATE "C", ${seed})`;
        case 'number': {
          if (f.round) return `hash_numeric_extended(${pgChecksum.exact(c, f)}, ${seed})`;
          const v = `${c}::numeric`;
          return `CASE WHEN ${v} = round(${v}, ${f.scale ?? 0}) THEN hash_numeric_extended(${v}, ${seed}) ELSE ${x} END`;
        }
        case 'boolean':
          return f.kind === 'boolean'
            ? `hashint4extended(${c}::int, ${seed})`
            : `CASE WHEN ${c} = 1 THEN hashint4extended(1, ${seed}) WHEN ${c} = 0 THEN hashint4extended(0, ${seed}) ELSE ${x} END`;
        case 'date':
          return `hashint4extended(${c} - DATE '2000-01-01', ${seed})`;
        case 'timestamp':
          return `timestamp_hash_extended(${f.kind === 'instant' ? `${c} AT TIME ZONE 'UTC'` : c}, ${seed})`;
      }
    },
    constant: (text, seed) => `hashtextextended('${text}', ${seed})`,
    xor: (parts) => (parts.length === 1 ? parts[0]! : `(${parts.join(' # ')})`),
    bits: (h, shift, mask) => `((${h} >> ${shift}) & ${mask})`,
    half: (h, i) => (i === 1 ? `(${h} >> 32)::int` : `((${h} << 32) >> 32)::int`),
  },
  text: (c, f) => (f.trim ? `btrim(${c}::text, ' ')` : `${c}::text`),
  exact: (c, f) =>
    f.round
      ? `${f.round === 'truncate' ? 'trunc' : 'round'}(${c}::numeric, ${f.scale ?? 0})`
      : `${c}::numeric`,
  rounds: true,
  multiply: (a, b) => `(${a} * ${b})`,
  sumText: (e) => `SUM(${e})::text`,
  excess: (c, s) =>
    `CASE WHEN ${c} IS NOT NULL AND ${c}::numeric <> round(${c}::numeric, ${s}) THEN 1 ELSE 0 END`,
  form(c, f, x) {
    switch (f.form) {
      case 'string':
        return this.text(c, f);
      case 'number': {
        const n = `${c}::numeric`;
        if (f.round) return `${pgChecksum.exact(c, f)}::text`;
        return `CASE WHEN ${n} = round(${n}, ${f.scale ?? 0}) THEN round(${n}, ${f.scale ?? 0})::text ELSE ${x} END`;
      }
      case 'boolean':
        return f.kind === 'boolean' ? `CASE WHEN ${c} THEN 'true' ELSE 'false' END` : zeroOne(c, x);
      case 'date':
        return `to_char(${c}, 'YYYY-MM-DD')`;
      case 'timestamp':
        return `to_char(${f.kind === 'instant' ? `${c} AT TIME ZONE 'UTC'` : c}, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
    }
  },
};

/** MySQL and MariaDB: MD5 over utf8mb4, CONV for hex, DATE_FORMAT, exact DECIMAL. */
export const mysqlChecksum: ChecksumDialect = {
  quote: (id) => `\`${id.replace(/`/g, '``')}\``,
  md5: (t) => `MD5(CONVERT(${t} USING utf8mb4))`,
  concat: (parts) => `CONCAT(${parts.join(', ')})`,
  hexInt: (h, start, len) => `CAST(CONV(SUBSTRING(${h}, ${start}, ${len}), 16, 10) AS UNSIGNED)`,
  shiftRight: (e, n) => `(${e} >> ${n})`,
  literal: (t) => `'${t}'`,
  derived: (sql, alias) => `(${sql}) AS ${alias}`,
  prefixed: (c) => `CONCAT(LENGTH(CONVERT(${c} USING utf8mb4)), ':', ${c})`,
  text: (c, f) => (f.trim ? `TRIM(${c})` : c),
  exact: (c, f) => (f.round ? `${f.round === 'truncate' ? 'TRUNCATE' : 'ROUND'}(${c}, ${f.scale ?? 0})` : c),
  rounds: true,
  multiply: (a, b) => `(${a} * ${b})`,
  sumText: (e) => `CAST(SUM(${e}) AS CHAR)`,
  excess: roundExcess,
  form(c, f, x) {
    switch (f.form) {
      case 'string':
        return this.text(c, f);
      case 'number': {
        const s = f.scale ?? 0;
        if (f.round) return `CAST(${mysqlChecksum.exact(c, f)} AS DECIMAL(65, ${s}))`;
        return `CASE WHEN ${c} = ROUND(${c}, ${s}) THEN CAST(${c} AS DECIMAL(65, ${s})) ELSE ${x} END`;
      }
      case 'boolean':
        return zeroOne(c, x);
      case 'date':
        return `DATE_FORMAT(${c}, '%Y-%m-%d')`;
      case 'timestamp':
        return `DATE_FORMAT(${c}, '%Y-%m-%dT%H:%i:%s.%fZ')`;
    }
  },
};

/**
 * SQL Server: HASHBYTES over the UTF-8 bytes (a UTF-8 collation, SQL Server 2019+), CONVERT styles
 * fixed (23: date, 126: ISO 8601), exact DECIMAL(38, s).
 */
export const mssqlChecksum: ChecksumDialect = {
  quote: (id) => `[${id.replace(/]/g, ']]')}]`,
  md5: (column) =>
    `LOWER(CONVERT(VARCHAR(32), HASHBYTES('MD5', CONVERT(VARCHAR(MAX), ${column} COLLATE Latin1_General_100_BIN2_UTF8)), 2))`,
  concat: (parts) => `CONCAT(${parts.join(', ')})`,
  hexInt: (h, start, len) => `CONVERT(BIGINT, CONVERT(VARBINARY(8), SUBSTRING(${h}, ${start}, ${len}), 2))`,
  // No shift operator before SQL Server 2022: integer division by the power of two.
  shiftRight: (e, n) => `(${e} / ${2 ** n})`,
  literal: (t) => `'${t}'`,
  derived: (sql, alias) => `(${sql}) AS ${alias}`,
  prefixed: (c) =>
    `CONCAT(DATALENGTH(CONVERT(VARCHAR(MAX), ${c} COLLATE Latin1_General_100_BIN2_UTF8)), ':', ${c})`,
  // NVARCHAR, so that the UTF-8 collation's conversion starts from the characters, not a code page.
  text: (c, f) => `CONVERT(NVARCHAR(MAX), ${f.trim ? `LTRIM(RTRIM(${c}))` : c})`,
  // No rounding in SQL: ROUND on a column's own DECIMAL(p, s) overflows when it carries a digit.
  exact: (c, f) => `CAST(${c} AS DECIMAL(38, ${f.scale ?? 0}))`,
  rounds: false,
  multiply: (a, b) => `(${a} * ${b})`,
  sumText: (e) => `CAST(SUM(${e}) AS VARCHAR(80))`,
  excess: roundExcess,
  form(c, f, x) {
    switch (f.form) {
      case 'string':
        return this.text(c, f);
      case 'number': {
        const s = f.scale ?? 0;
        return `CASE WHEN ${c} = ROUND(${c}, ${s}) THEN CONVERT(VARCHAR(64), CAST(${c} AS DECIMAL(38, ${s}))) ELSE ${x} END`;
      }
      case 'boolean':
        return zeroOne(c, x);
      case 'date':
        return `CONVERT(VARCHAR(10), ${c}, 23)`;
      case 'timestamp': {
        const t =
          f.kind === 'instant'
            ? `CONVERT(VARCHAR(33), CONVERT(DATETIME2(7), SWITCHOFFSET(${c}, '+00:00')), 126)`
            : `CONVERT(VARCHAR(33), CONVERT(DATETIME2(7), ${c}), 126)`;
        // Style 126 leaves out a zero fraction: pad to six digits, cut the seventh (the engine reads µs).
        return `CONCAT(LEFT(CONCAT(${t}, CASE WHEN CHARINDEX('.', ${t}) = 0 THEN '.' ELSE '' END, '000000'), 26), 'Z')`;
      }
    }
  },
};

/**
 * SQLite: the forms are functions registered on the connection (checksum-functions.ts), written
 * in JavaScript over the very values a read yields, so they are exact whatever the column holds.
 */
export const sqliteChecksum: ChecksumDialect = {
  quote: (id) => `"${id.replace(/"/g, '""')}"`,
  md5: (t) => `cutover_md5(${t})`,
  concat: (parts) => `(${parts.join(' || ')})`,
  hexInt: (h, start, len) => `cutover_hexint(${h}, ${start}, ${len})`,
  shiftRight: (e, n) => `(${e} >> ${n})`,
  literal: (t) => `'${t}'`,
  derived: (sql, alias) => `(${sql}) AS ${alias}`,
  prefixed: (c) => `cutover_prefixed(${c})`,
  text: (c, f) => `cutover_text(${c}, ${f.trim ? 1 : 0})`,
  exact: (c, f) => `cutover_exact(${c}, ${f.scale ?? 0}, '${f.round ?? ''}')`,
  rounds: true,
  multiply: (a, b) => `cutover_multiply(${a}, ${b})`,
  sumText: (e) => `cutover_sum(${e})`,
  excess: (c, s) => `CASE WHEN ${c} IS NOT NULL AND cutover_exact(${c}, ${s}, '') IS NULL THEN 1 ELSE 0 END`,
  form(c, f, x) {
    switch (f.form) {
      case 'string':
        return this.text(c, f);
      case 'number':
        return `cutover_number(${c}, ${f.scale ?? 0}, ${x}, '${f.round ?? ''}')`;
      case 'boolean':
        return `cutover_boolean(${c}, ${x})`;
      case 'date':
        return `cutover_date(${c}, ${x})`;
      case 'timestamp':
        return `cutover_timestamp(${c}, '${(f.zone ?? '').replace(/'/g, "''")}', ${x})`;
    }
  },
};

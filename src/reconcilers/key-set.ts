/**
 * Key-set reads (`reconcile --recheck`): reading only the rows of a known set of canonical keys.
 *
 * The set is pushed down to the source where that cannot lose a row: a key field is pushed when
 * its canonical value IS the raw column value — a string field read from a plain column (no map,
 * trim, case, nullAs or constant) — and every value of it in the set is plain ASCII text (a
 * non-ASCII key is NFC-normalized, which the source's text may not be). The pushed filter then
 * returns every row of the set, and perhaps more (a case-insensitive collation, a CHAR column's
 * padding): after normalization only rows whose canonical key is in the set are kept. When no key
 * field can be pushed, the side is read whole and filtered here, which the run says.
 */
import type { ReadRequest } from '../adapters/types.js';
import { KEY_SET_PARAMS } from '../adapters/sql-text.js';
import type { Mapping } from '../config/mapping-schema.js';
import { encodeKey } from './key.js';
import type { CanonicalRow, CanonicalValue, Side } from './types.js';

// eslint-disable-next-line no-control-regex
const PLAIN_ASCII = /^[\x01-\x7f]*$/;

/** The source column a key field is read from unchanged, or why it cannot be pushed down. */
function plainColumn(mapping: Mapping, side: Side, field: string): { column: string } | { why: string } {
  const def = mapping.fields[field]!;
  if (def.type !== 'string')
    return { why: `${field} is not a string field (its ${def.type} text in the source may differ)` };
  const input = mapping[side].columns[field];
  const spec =
    input === undefined ? { column: field } : typeof input === 'string' ? { column: input } : input;
  const transformed =
    'value' in spec ||
    ('map' in spec && spec.map) ||
    ('trim' in spec && spec.trim) ||
    ('case' in spec && spec.case) ||
    ('nullAs' in spec && spec.nullAs !== undefined) ||
    def.trim ||
    def.case ||
    def.nullAs !== undefined;
  if (transformed) return { why: `${field} is transformed on the ${side} side` };
  return { column: spec.column ?? field };
}

/** How one side reads a key set: the requests to send, and what was pushed down. */
export interface KeySetRead {
  requests: ReadRequest[];
  /** The source columns filtered in the source; empty when the whole side is read and filtered here. */
  pushedColumns: string[];
  /** Why a key field was not pushed down (none when all were). */
  notPushed: string[];
}

/**
 * Plans a key-set read of one side from its full read request: the pushable key fields' distinct
 * value tuples, chunked so no statement binds more than KEY_SET_PARAMS values.
 */
export function planKeySetRead(
  mapping: Mapping,
  side: Side,
  base: ReadRequest,
  keys: readonly Record<string, CanonicalValue>[],
): KeySetRead {
  const fields: string[] = [];
  const columns: string[] = [];
  const notPushed: string[] = [];
  if (keys.length === 0) return { requests: [], pushedColumns: [], notPushed };
  for (const f of mapping.key) {
    const plain = plainColumn(mapping, side, f);
    if ('why' in plain) notPushed.push(plain.why);
    else if (!keys.every((k) => typeof k[f] === 'string' && PLAIN_ASCII.test(k[f])))
      notPushed.push(`a value of ${f} is NULL or not plain ASCII text`);
    else {
      fields.push(f);
      columns.push(plain.column);
    }
  }
  if (!fields.length) return { requests: [{ ...base }], pushedColumns: [], notPushed };
  const seen = new Set<string>();
  const tuples: string[][] = [];
  for (const k of keys) {
    const t = fields.map((f) => k[f] as string);
    const id = JSON.stringify(t);
    if (seen.has(id)) continue;
    seen.add(id);
    tuples.push(t);
  }
  const per = Math.max(1, Math.floor(KEY_SET_PARAMS / fields.length));
  const requests: ReadRequest[] = [];
  for (let i = 0; i < tuples.length; i += per)
    requests.push({ ...base, keys: { columns, values: tuples.slice(i, i + per) } });
  return { requests, pushedColumns: columns, notPushed };
}

/** Keeps the rows whose canonical key is in the set (the exact filter after a superset read). */
export function keyFilter(
  mapping: Mapping,
  keys: readonly Record<string, CanonicalValue>[],
): (rows: CanonicalRow[]) => CanonicalRow[] {
  const wanted = new Set(keys.map((k) => encodeKey(k, mapping.key)));
  return (rows) => rows.filter((r) => wanted.has(encodeKey(r, mapping.key)));
}

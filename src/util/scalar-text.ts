/**
 * The canonical text of scalar values, shared by the engine's normalizer (src/reconcilers) and
 * SQLite's checksum functions (src/adapters), which must read a value exactly as the engine does.
 */

/** A non-null value as a driver hands it over. */
export type Scalar = string | number | bigint | boolean | Date | Uint8Array;

const TRUE_WORDS = new Set(['true', 't', 'y', 'yes', '1', 'on']);
const FALSE_WORDS = new Set(['false', 'f', 'n', 'no', '0', 'off']);

/** The string form of a value (map lookup, string fields): numbers in their shortest round-trip text. */
export function scalarText(v: Scalar): string {
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  return String(v);
}

/** 'true' or 'false' for a boolean or one of the words (true/false, 1/0, t/f, y/n, yes/no, on/off); else undefined. */
export function booleanText(v: Scalar): 'true' | 'false' | undefined {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const s = scalarText(v).trim().toLowerCase();
  return TRUE_WORDS.has(s) ? 'true' : FALSE_WORDS.has(s) ? 'false' : undefined;
}

/** 'YYYY-MM-DD' of a text that starts with a real calendar date (a time may follow); else undefined. */
export function dateText(text: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/.exec(text.trim());
  const d = m ? new Date(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`) : undefined;
  if (!m || !d || Number.isNaN(d.getTime()) || d.getUTCDate() !== Number(m[3])) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

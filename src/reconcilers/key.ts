import type { CanonicalValue } from './types.js';

/**
 * The canonical text of a record key: a JSON array of its parts in key order. Unambiguous for
 * composite keys — (1,'11') and (11,'1') encode differently — and NULL parts stay distinct from ''.
 */
export function encodeKey(key: Record<string, CanonicalValue>, keyFields: readonly string[]): string {
  return JSON.stringify(keyFields.map((f) => key[f] ?? null));
}

/** The inverse of encodeKey. */
export function decodeKey(text: string, keyFields: readonly string[]): Record<string, CanonicalValue> {
  const parts = JSON.parse(text) as CanonicalValue[];
  return Object.fromEntries(keyFields.map((f, i) => [f, parts[i] ?? null]));
}

/** A key for people: `A-100 / DC-EAST`. */
export function displayKey(key: Record<string, CanonicalValue>): string {
  return Object.values(key)
    .map((v) => (v === null ? '(null)' : v))
    .join(' / ');
}

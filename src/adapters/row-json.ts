/** JSON for row images (ledger before/after images, matches): bigint as text, so exact values survive. */
export function imageJson(v: unknown): string {
  try {
    // Drivers mostly hand over text already; a replacer on every value costs more than the retry.
    return JSON.stringify(v);
  } catch {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  }
}

/**
 * Where bytes stop being UTF-8, for an error that names the line (and column) of the first bad byte
 * instead of reading it as U+FFFD: a CSV extract in Latin-1, a cutover.yaml saved as Windows-1252.
 */

/** The bytes a lead byte's second byte may be (RFC 3629: no overlongs, surrogates or values above U+10FFFF). */
function secondByteRange(lead: number): [number, number] {
  if (lead === 0xe0) return [0xa0, 0xbf];
  if (lead === 0xed) return [0x80, 0x9f];
  if (lead === 0xf0) return [0x90, 0xbf];
  if (lead === 0xf4) return [0x80, 0x8f];
  return [0x80, 0xbf];
}

/**
 * The offset of the first byte of `buf` (from `from`) that does not belong to a valid UTF-8
 * sequence, or -1. A sequence cut by the buffer's end is invalid when `final`; otherwise it is left
 * to the next chunk (-1).
 */
export function firstInvalidUtf8(buf: Uint8Array, from = 0, final = true): number {
  let i = from;
  while (i < buf.length) {
    const b = buf[i]!;
    const n =
      b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) {
      if (i + k >= buf.length) return final ? i : -1;
      const [lo, hi] = k === 1 ? secondByteRange(b) : [0x80, 0xbf];
      const c = buf[i + k]!;
      if (c < lo || c > hi) return i;
    }
    i += n + 1;
  }
  return -1;
}

/**
 * The 1-based line and column of byte `at` of UTF-8 text: lines end at "\n", the column counts the
 * characters before it on its line (a leading BOM not counted).
 */
export function utf8Position(buf: Uint8Array, at: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < at; i++)
    if (buf[i] === 0x0a) {
      line++;
      start = i + 1;
    }
  const before = new TextDecoder('utf-8', { ignoreBOM: false }).decode(buf.subarray(start, at));
  return { line, column: [...before].length + 1 };
}

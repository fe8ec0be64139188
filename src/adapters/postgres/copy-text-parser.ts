/**
 * Parses PostgreSQL `COPY ... TO STDOUT` text format, chunk by chunk: rows end with `\n`, fields are
 * separated by `\t`, `\N` is NULL, and data bytes that would be ambiguous are backslash-escaped
 * (`\\ \t \n \r \b \f \v`, `\ooo` octal and `\xHH` hex byte values). Because a raw newline or tab
 * never occurs inside a value, lines and fields can be split without looking at escapes; only
 * fields that contain a backslash are decoded. Chunks are cut at the last newline before decoding
 * UTF-8, so a multi-byte character split across chunks is never broken.
 */
/** COPY output that does not parse: a fault (a bug or a protocol surprise), never a user error. */
export class CopyFormatError extends Error {}

export class CopyTextParser {
  private tail: Buffer | undefined;

  constructor(private readonly columnCount: number) {}

  /**
   * The complete lines of `chunk` (plus the tail kept from the previous chunk), as at most two
   * buffers, each ending in `\n`: the line the previous chunk began, made whole, then the chunk's
   * own complete lines, in place. Not the tail and the chunk concatenated: that copied every byte
   * of the read once more. The incomplete rest is kept for the next chunk. The chunk's part is a
   * view of it: valid until the caller asks for the next chunk.
   */
  complete(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let from = 0;
    if (this.tail) {
      const first = chunk.indexOf(10);
      if (first < 0) {
        this.tail = Buffer.concat([this.tail, chunk]);
        return out;
      }
      out.push(Buffer.concat([this.tail, chunk.subarray(0, first + 1)]));
      this.tail = undefined;
      from = first + 1;
    }
    const last = chunk.lastIndexOf(10);
    if (last >= from) out.push(chunk.subarray(from, last + 1));
    // Copied: a view would pin the whole chunk in memory until the next one arrives.
    if (last + 1 < chunk.length) this.tail = Buffer.from(chunk.subarray(last + 1));
    return out;
  }

  /** Parses every complete line of `chunk` (plus the tail kept from the previous chunk) into `out`. */
  push(chunk: Buffer, out: (string | null)[][]): void {
    for (const buf of this.complete(chunk)) {
      const lines = buf.toString('utf8', 0, buf.length - 1).split('\n');
      for (const line of lines) out.push(this.parseLine(line));
    }
  }

  /** Checks that the stream ended on a row boundary. */
  end(): void {
    if (this.tail && this.tail.length > 0) {
      throw new CopyFormatError(`COPY output ended in the middle of a row (${this.tail.length} bytes left)`);
    }
  }

  /** One line (without its newline) as its values. */
  parseLine(line: string): (string | null)[] {
    if (this.columnCount === 0 && line === '') return []; // SELECT with no columns: one empty line per row
    const fields: (string | null)[] = line.split('\t');
    if (fields.length !== this.columnCount) {
      throw new CopyFormatError(`COPY output row has ${fields.length} fields, expected ${this.columnCount}`);
    }
    if (line.indexOf('\\') === -1) return fields;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      if (f.indexOf('\\') === -1) continue;
      fields[i] = f === '\\N' ? null : unescapeCopyText(f);
    }
    return fields;
  }
}

const SIMPLE: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
const isOctal = (c: string | undefined) => c !== undefined && c >= '0' && c <= '7';
const isHex = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);

/** Decodes the backslash escapes of one COPY text field (not `\N`, which the caller handles). */
export function unescapeCopyText(field: string): string {
  let out = '';
  // Octal/hex escapes are byte values: consecutive ones are gathered and decoded as UTF-8 together.
  let bytes: number[] = [];
  const flush = () => {
    if (bytes.length) out += Buffer.from(bytes).toString('utf8');
    bytes = [];
  };
  let i = 0;
  while (i < field.length) {
    const c = field[i]!;
    if (c !== '\\' || i === field.length - 1) {
      flush();
      out += c;
      i++;
      continue;
    }
    const n = field[i + 1]!;
    if (isOctal(n)) {
      let j = i + 1;
      let v = 0;
      while (j < field.length && j < i + 4 && isOctal(field[j])) v = v * 8 + Number(field[j++]);
      bytes.push(v & 0xff);
      i = j;
    } else if (n === 'x' && isHex(field[i + 2])) {
      let j = i + 2;
      let v = 0;
      while (j < field.length && j < i + 4 && isHex(field[j])) v = v * 16 + parseInt(field[j++]!, 16);
      bytes.push(v);
      i = j;
    } else {
      flush();
      out += SIMPLE[n] ?? n;
      i += 2;
    }
  }
  flush();
  return out;
}

/**
 * The text of a CSV extract in its declared encoding, decoded exactly: bytes that are not valid in
 * that encoding (a Latin-1 extract read as UTF-8) stop the read with the file and line, instead of
 * becoming U+FFFD and merging keys that differ.
 */
import fs from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { TextDecoder } from 'node:util';

import { CSV_ENCODINGS, type CsvEncoding } from '../settings.js';
import { firstInvalidUtf8 } from '../../util/utf8.js';

export { CSV_ENCODINGS, type CsvEncoding };

/** Raised for bytes the encoding cannot hold; `line` is 1-based in the file. */
export class InvalidTextError extends Error {
  constructor(
    readonly encoding: string,
    readonly line: number,
  ) {
    super(`the bytes on line ${line} are not valid ${encoding}`);
  }
}

function countNewlines(buf: Uint8Array, end: number, step = 1): number {
  let n = 0;
  for (let i = 0; i < end; i += step) if (buf[i] === 0x0a && (step === 1 || buf[i + 1] === 0)) n++;
  return n;
}

class DecodeStream extends Transform {
  private readonly decoder: TextDecoder | undefined;
  private line = 1;
  private started = false;

  constructor(private readonly encoding: CsvEncoding) {
    super({ readableObjectMode: false, decodeStrings: true, encoding: 'utf8' });
    const label = encoding === 'utf8' ? 'utf-8' : encoding === 'cp1252' ? 'windows-1252' : encoding;
    // latin1 / iso-8859-1 are read byte for byte (WHATWG's TextDecoder would read them as windows-1252).
    this.decoder = /^(latin1|iso-8859-1)$/.test(label) ? undefined : new TextDecoder(label, { fatal: true });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (!this.decoder) return done(null, chunk.toString('latin1'));
    let text: string;
    try {
      text = this.decoder.decode(chunk, { stream: true });
    } catch {
      return done(this.invalid(chunk));
    }
    if (!this.started && text) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.line++;
    done(null, text);
  }

  override _flush(done: TransformCallback): void {
    if (!this.decoder) return done();
    try {
      done(null, this.decoder.decode());
    } catch {
      done(new InvalidTextError(this.encoding, this.line));
    }
  }

  /** Where in this chunk the invalid bytes are, as a line of the file. */
  private invalid(chunk: Buffer): InvalidTextError {
    if (this.encoding === 'utf-16le')
      return new InvalidTextError(this.encoding, this.line + countNewlines(chunk, chunk.length, 2));
    let from = 0;
    while (from < 3 && from < chunk.length && (chunk[from]! & 0xc0) === 0x80) from++; // the tail of a sequence begun before
    const at = firstInvalidUtf8(chunk, from, false);
    return new InvalidTextError(this.encoding, this.line + countNewlines(chunk, at < 0 ? chunk.length : at));
  }
}

/** A readable stream of the file's text (a string stream), decoded from `encoding`, BOM removed. */
export function openText(file: string, encoding: CsvEncoding = 'utf-8'): NodeJS.ReadableStream {
  const decode = new DecodeStream(encoding);
  return fs
    .createReadStream(file)
    .on('error', (err) => decode.destroy(err))
    .pipe(decode);
}

import { describe, expect, it } from 'vitest';
import { CopyFrames } from '../../../src/adapters/postgres/copy-out.js';
import { CopyFormatError } from '../../../src/adapters/postgres/copy-text-parser.js';

/** One protocol message: its type byte, its length (counting itself) and its body. */
function message(type: string, body: Buffer | string = ''): Buffer {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeUInt32BE(b.length + 4, 1);
  return Buffer.concat([head, b]);
}

/** Scans `bytes` cut at `cuts`; the payloads, and where (in `bytes`) the copy stopped and why. */
function scanCut(bytes: Buffer, cuts: number[]): { payloads: Buffer; stop: number; end?: string } {
  const frames = new CopyFrames();
  const out: Buffer[] = [];
  const bounds = [0, ...cuts, bytes.length];
  for (let c = 0; c + 1 < bounds.length; c++) {
    const chunk = Buffer.from(bytes.subarray(bounds[c], bounds[c + 1])); // scan writes in place
    const r = frames.scan(chunk);
    out.push(Buffer.from(chunk.subarray(0, r.bytes)));
    if (r.end) return { payloads: Buffer.concat(out), stop: bounds[c]! + r.stop, end: r.end };
  }
  return { payloads: Buffer.concat(out), stop: -1 };
}

// What a server sends for a COPY TO: CopyOutResponse, rows (one CopyData each, with a notice and a
// setting report between them), CopyDone, then CommandComplete and ReadyForQuery, which are pg's.
const rows = ['1\tapple\n', '2\t\\N\n', `3\t${'x'.repeat(300)}\n`, '4\tä€\n'];
const copyOutResponse = message('H', Buffer.from([0, 0, 2, 0, 0, 0, 0]));
const body = Buffer.concat([
  copyOutResponse,
  message('d', rows[0]),
  message('N', 'SNOTICE\0Mhello\0\0'),
  message('d', rows[1]),
  message('S', 'TimeZone\0UTC\0'),
  message('d', rows[2]),
  message('d', rows[3]),
]);
const done = message('c');
const after = Buffer.concat([message('C', 'COPY 4\0'), message('Z', 'I')]);

describe('COPY TO frames', () => {
  it('keeps exactly the CopyData payloads, for the stream cut at any one byte or any two', () => {
    const bytes = Buffer.concat([body, done, after]);
    const want = Buffer.from(rows.join(''));
    for (let a = 0; a <= bytes.length; a++) {
      const r = scanCut(bytes, [a]);
      expect(r.payloads.equals(want), `cut at ${a}`).toBe(true);
      expect(r).toMatchObject({ stop: body.length + done.length, end: 'done' });
    }
    for (let a = 0; a <= bytes.length; a += 7)
      for (let b = a; b <= bytes.length; b += 3) {
        const r = scanCut(bytes, [a, b]);
        expect(r.payloads.equals(want), `cuts at ${a}, ${b}`).toBe(true);
        expect(r.stop).toBe(body.length + done.length);
      }
  });

  it('stops at an ErrorResponse, leaving it (and what follows) to pg, the rows before it kept', () => {
    const error = message('E', 'SERROR\0C22012\0Mdivision by zero\0\0');
    const bytes = Buffer.concat([body, error, message('Z', 'I')]);
    for (let a = 0; a <= bytes.length; a++) {
      const r = scanCut(bytes, [a]);
      expect(r).toMatchObject({ stop: body.length, end: 'error' });
      expect(r.payloads.toString()).toBe(rows.join(''));
    }
  });

  it('stops at a message that has no place in a copy, and refuses a length shorter than its own field', () => {
    const bytes = Buffer.concat([copyOutResponse, message('d', rows[0]), message('T', 'x')]);
    expect(scanCut(bytes, [])).toMatchObject({
      stop: copyOutResponse.length + 5 + rows[0]!.length,
      end: 'unexpected',
    });
    const bad = Buffer.concat([copyOutResponse, Buffer.from([0x64, 0, 0, 0, 3])]);
    expect(() => scanCut(bad, [])).toThrow(CopyFormatError);
    // A CopyDone has no body: one that claims a body would leave the rest misread.
    expect(() => scanCut(Buffer.concat([copyOutResponse, message('c', 'x'), after]), [])).toThrow(/CopyDone/);
  });

  it('goes on when a chunk ends the copy data exactly (no stop yet)', () => {
    const r = new CopyFrames().scan(Buffer.from(body));
    expect(r).toEqual({ bytes: Buffer.byteLength(rows.join('')), stop: -1 });
  });
});

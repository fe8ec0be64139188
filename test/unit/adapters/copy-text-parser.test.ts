import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CopyTextParser, unescapeCopyText } from '../../../src/adapters/postgres/copy-text-parser.js';
import { pgCopySelect, pgSelect } from '../../../src/adapters/postgres/pg-select.js';

/** COPY text encoding as PostgreSQL writes it (the escapes its output uses). */
function encode(rows: (string | null)[][]): Buffer {
  const esc = (v: string | null) =>
    v === null
      ? '\\N'
      : v.replace(
          /[\\\t\n\r\b\f\v]/g,
          (c) =>
            ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\b': '\\b', '\f': '\\f', '\v': '\\v' })[
              c
            ]!,
        );
  return Buffer.from(rows.map((r) => r.map(esc).join('\t') + '\n').join(''), 'utf8');
}

function parseInChunks(buf: Buffer, cuts: number[], cols: number): (string | null)[][] {
  const p = new CopyTextParser(cols);
  const out: (string | null)[][] = [];
  let at = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    if (cut <= at || cut >= buf.length) continue;
    p.push(buf.subarray(at, cut), out);
    at = cut;
  }
  p.push(buf.subarray(at), out);
  p.end();
  return out;
}

describe('COPY text parser', () => {
  it('parses NULLs, empty strings, escapes and multi-byte text split at every byte', () => {
    const rows = [
      ['1', null, '', 'Caf\u00e9 😀'],
      ['2', 'a\tb\nc\\d\\N', '\\', 'x\r\b\f\v'],
    ];
    const buf = encode(rows);
    const everyByte = Array.from({ length: buf.length }, (_, i) => i);
    expect(parseInChunks(buf, everyByte, 4)).toEqual(rows);
    expect(parseInChunks(buf, [], 4)).toEqual(rows);
  });

  it('round-trips any strings cut at any chunk boundaries', () => {
    const value = fc.option(fc.string({ unit: 'binary' }), { nil: null });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(value, value, value), { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(2000), { maxLength: 30 }),
        (rows, cuts) => {
          const clean = rows.map((r) =>
            r.map((v) => (v === null ? null : v.replace(/[\ud800-\udfff]/g, '?'))),
          );
          expect(parseInChunks(encode(clean), cuts, 3)).toEqual(clean);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('decodes octal and hex byte escapes as UTF-8', () => {
    expect(unescapeCopyText('\\303\\251t\\x41\\7')).toBe('\u00e9tA\u0007');
    expect(unescapeCopyText('a\\qb')).toBe('aqb');
  });

  it("hands a chunk's complete lines back in place, and only the line it began joined", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'b', '\t', '\n'), { maxLength: 200 }),
        fc.array(fc.nat(200), { maxLength: 12 }),
        (chars, cuts) => {
          const buf = Buffer.from(chars.join(''));
          const p = new CopyTextParser(0);
          const parts: Buffer[] = [];
          let at = 0;
          const inside = [...new Set(cuts)].filter((c) => c > 0 && c < buf.length).sort((a, b) => a - b);
          for (const cut of [...inside, buf.length]) {
            // A buffer of its own, not a slice of the shared pool a copy would come from too.
            const chunk = Buffer.allocUnsafeSlow(cut - at);
            buf.copy(chunk, 0, at, cut);
            const got = p.complete(chunk);
            expect(got.length).toBeLessThanOrEqual(2);
            for (const part of got) expect(part[part.length - 1]).toBe(10);
            // The chunk's own lines are a view of it, not a copy.
            const own = got.at(-1);
            if (own && own.length > 0 && chunk.lastIndexOf(10) > chunk.indexOf(10))
              expect(own.buffer).toBe(chunk.buffer);
            parts.push(...got);
            at = cut;
          }
          const whole = buf.lastIndexOf(10) + 1;
          expect(Buffer.concat(parts).toString()).toBe(buf.subarray(0, whole).toString());
          if (whole < buf.length) expect(() => p.end()).toThrow(/middle of a row/);
          else p.end();
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses a row with the wrong number of fields and a stream cut mid-row', () => {
    expect(() => new CopyTextParser(2).push(Buffer.from('a\tb\tc\n'), [])).toThrow(/3 fields, expected 2/);
    const p = new CopyTextParser(1);
    p.push(Buffer.from('a\nb'), []);
    expect(() => p.end()).toThrow(/middle of a row/);
  });
});

describe('postgres SELECT text', () => {
  it('quotes identifiers and writes window bounds as formatted literals', () => {
    const sql = pgCopySelect({
      table: 'public.Item Ledger$Entry',
      columns: ['Order', 'Amount "x"'],
      where: '"Order" > 0',
      window: {
        column: 'Posted',
        since: new Date('2024-03-01T00:00:00Z'),
        until: new Date('2024-03-02T10:30:00.250Z'),
      },
    });
    expect(sql).toBe(
      `COPY (SELECT "Order", "Amount ""x""" FROM "public"."Item Ledger$Entry" WHERE ("Order" > 0) AND "Posted" >= '2024-03-01 00:00:00+00' AND "Posted" < '2024-03-02 10:30:00.250+00') TO STDOUT`,
    );
  });

  it("writes a naive column's bounds in its zone's wall clock, and wraps a query", () => {
    const sql = pgSelect({
      query: 'select 1 as a',
      columns: ['a'],
      window: {
        column: 'a',
        since: new Date('2024-07-01T04:00:00Z'),
        timezone: 'America/New_York',
        naive: true,
      },
    });
    // The zone's wall clock with its offset then: a timestamp column ignores the offset, a timestamptz honours it.
    expect(sql).toBe(
      `SELECT "a" FROM (select 1 as a\n) AS cutover_q WHERE "a" >= '2024-07-01 00:00:00-04:00'`,
    );
  });

  it('refuses an invalid Date as a bound rather than writing it', () => {
    expect(() =>
      pgSelect({ table: 't', columns: ['a'], window: { column: 'a', since: new Date('x') } }),
    ).toThrow();
  });
});

import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { csvCell } from '../../../src/exceptions/export.js';
import { filterFromFlags, parseAge } from '../../../src/cli/exception-flags.js';
import { formatId, parseId } from '../../../src/exceptions/ids.js';
import { confirm } from '../../../src/cli/prompt.js';
import { UsageError } from '../../../src/errors.js';

describe('CSV cells (OWASP formula injection)', () => {
  it.each([
    ['=SUM(A1:A9)', "'=SUM(A1:A9)"],
    ['+1', "'+1"],
    ['-7.000', "'-7.000"],
    ['@cmd', "'@cmd"],
    ['\tx', "'\tx"],
    ['\rx', `"'\rx"`],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['A-100', 'A-100'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    [12, '12'],
  ])('%j → %j', (input, expected) => expect(csvCell(input)).toBe(expected));
});

describe('flags and ids', () => {
  it('parses ages', () => {
    expect(parseAge('3d')).toBe(3 * 86_400_000);
    expect(parseAge('12h')).toBe(12 * 3_600_000);
    expect(parseAge('2w')).toBe(14 * 86_400_000);
    expect(parseAge('5')).toBe(5 * 86_400_000);
    expect(() => parseAge('soon')).toThrow(UsageError);
  });

  it('refuses an age whose cutoff falls before 0001-01-01 (a crash, exit 3, past year -271821)', () => {
    const now = new Date('2026-11-26T00:00:00Z');
    expect(parseAge('739000d', now)).toBe(739_000 * 86_400_000); // back to 0003-…
    for (const text of ['740000d', '99999999d', '999999999999d', `${'9'.repeat(400)}d`]) {
      expect(() => parseAge(text, now)).toThrow(UsageError);
      expect(() => parseAge(text, now)).toThrow(
        `--older-than ${text} reaches back before 0001-01-01T00:00:00Z; the first-seen cutoff must lie from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z.`,
      );
    }
    expect(() => filterFromFlags({ 'older-than': '999999999999d' })).toThrow(UsageError);
  });

  it('accepts repeated and comma-separated values and suggests a fix for typos', () => {
    expect(filterFromFlags({ status: ['open,assigned'], kind: ['mismatch'] })).toMatchObject({
      status: ['open', 'assigned'],
      kind: ['mismatch'],
    });
    let err: unknown;
    try {
      filterFromFlags({ kind: ['missing_in_clod'] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).paragraph()).toMatch(/Did you mean --kind missing_in_cloud\?/);
  });

  it('ids round-trip and reject junk', () => {
    expect(formatId(123)).toBe('X-000123');
    expect(parseId('X-000123')).toBe(123);
    expect(parseId('x-123')).toBe(123);
    expect(parseId('123')).toBe(123);
    expect(() => parseId('X-0')).toThrow(UsageError);
    expect(() => parseId('abc')).toThrow(/is not an exception id/);
  });
});

describe('confirmation prompt', () => {
  const ask = async (answer: string) => {
    const input = new PassThrough();
    const output = new PassThrough();
    const p = confirm('Resolve 3 items?', input, output);
    input.end(answer);
    return p;
  };
  it('y or yes confirms; anything else, or nothing, declines', async () => {
    expect(await ask('y\n')).toBe(true);
    expect(await ask('YES\n')).toBe(true);
    expect(await ask('n\n')).toBe(false);
    expect(await ask('\n')).toBe(false);
    expect(await ask('')).toBe(false);
  });
});

import { Errors } from '@oclif/core';
import { describe, expect, it } from 'vitest';
import { COUNT_MAX, integerFlag, parseRangedInteger, rangeText } from '../../../src/cli/integer-flag.js';

describe('parseRangedInteger', () => {
  it('takes the integers of the range, both ends included', () => {
    expect(parseRangedInteger('1', 1, 50)).toBe(1);
    expect(parseRangedInteger('50', 1, 50)).toBe(50);
    expect(parseRangedInteger('007', 1, 50)).toBe(7);
    expect(parseRangedInteger('0', 0, 0xffffffff)).toBe(0);
    expect(parseRangedInteger(String(COUNT_MAX), 1, COUNT_MAX)).toBe(COUNT_MAX);
  });

  it.each([
    '0',
    '51',
    '-1',
    '99999999999999999999',
    '9007199254740993',
    '1e3',
    '1.5',
    '',
    ' ',
    'abc',
    '0x10',
  ])('refuses %j for 1..50 with a parser error naming the range and the value', (input) => {
    let err: unknown;
    try {
      parseRangedInteger(input, 1, 50);
    } catch (e) {
      err = e;
    }
    // A CLIError: the base command turns the parser's errors into exit 2.
    expect(err).toBeInstanceOf(Errors.CLIError);
    expect((err as Error).message).toBe(`Expected an integer from 1 to 50 but received: ${input}`);
  });

  it('refuses an integer past 2^53 even when the range would take it', () => {
    expect(() => parseRangedInteger('9007199254740993', 0, Number.MAX_SAFE_INTEGER)).toThrow(
      /from 0 to 9,007,199,254,740,991/,
    );
  });
});

describe('integerFlag', () => {
  it('says its range in its description and parses within it', async () => {
    const flag = integerFlag({ description: 'at most this many runs', default: 20, min: 1, max: COUNT_MAX });
    expect(flag.description).toBe('at most this many runs; from 1 to 1,000,000,000');
    expect(flag.default).toBe(20);
    const parse = flag.parse as (input: string, ctx: unknown, opts: unknown) => Promise<number>;
    expect(await parse('5', {}, flag)).toBe(5);
    await expect(parse('1000000001', {}, flag)).rejects.toThrow(
      'Expected an integer from 1 to 1,000,000,000 but received: 1000000001',
    );
  });

  it('refuses a range that is not one', () => {
    expect(() => integerFlag({ description: 'x', min: 5, max: 1 })).toThrow(/bad range/);
    expect(() => integerFlag({ description: 'x', min: 1, max: Infinity })).toThrow(/bad range/);
  });

  it('rangeText groups the digits', () => {
    expect(rangeText(100, 3_600_000)).toBe('from 100 to 3,600,000');
  });
});

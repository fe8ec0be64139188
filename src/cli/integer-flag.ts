/**
 * Integer flags with both ends of their range. oclif's Flags.integer has no maximum unless one is
 * given, so `--limit 99999999999999999999` became 1e20 and reached the database as a LIMIT it could
 * not take (exit 3, with the SQL in the message). Every integer flag is made here instead (the lint
 * refuses Flags.integer): each states its maximum, its help says the range, and a value outside it
 * is bad input that names the flag, the value and the range.
 */
import { Errors, Flags, type Interfaces } from '@oclif/core';

/** The most a count flag takes (--limit, --next, --max-differences): more than any store holds. */
export const COUNT_MAX = 1_000_000_000;

/** 1000000 as 1,000,000. */
const grouped = (n: number): string => n.toLocaleString('en-US');

/** The range as help and errors say it: "from 1 to 1,000,000,000". */
export function rangeText(min: number, max: number): string {
  return `from ${grouped(min)} to ${grouped(max)}`;
}

/**
 * Parses a flag's text as an integer within [min, max]; the message names the range (oclif prefixes
 * the flag: "--limit: expected an integer from 1 to 1,000,000,000 but received: 1e3").
 */
export function parseRangedInteger(input: string, min: number, max: number): number {
  const n = /^-?\d+$/.test(input.trim()) ? Number(input.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new Errors.CLIError(`Expected an integer ${rangeText(min, max)} but received: ${input}`);
  return n;
}

const ranged = Flags.custom<number, { min: number; max: number }>({
  parse: async (input, _ctx, opts) => parseRangedInteger(input, opts.min, opts.max),
});

type IntegerOptions = {
  min: number;
  max: number;
  description: string;
  helpGroup?: string;
  exclusive?: string[];
};

/** An integer flag from `min` to `max`, its range added to its description. */
export function integerFlag(opts: IntegerOptions & { default: number }): Interfaces.OptionFlag<number>;
export function integerFlag(
  opts: IntegerOptions & { default?: undefined },
): Interfaces.OptionFlag<number | undefined>;
export function integerFlag(opts: IntegerOptions & { default?: number }) {
  if (!(Number.isSafeInteger(opts.min) && Number.isSafeInteger(opts.max) && opts.min <= opts.max))
    throw new Error(`integerFlag: bad range ${opts.min}..${opts.max}`);
  return ranged({ ...opts, description: `${opts.description}; ${rangeText(opts.min, opts.max)}` });
}

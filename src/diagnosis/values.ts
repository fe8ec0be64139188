/**
 * How the detectors read canonical values: exact decimals (scaled BigInt, never floating point),
 * canonical UTC timestamps, and everything else as text.
 */
import { formatExact, parseExact, pow10, type ExactDecimal } from '../util/exact-decimal.js';

const DECIMAL = /^-?\d+(\.\d+)?$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/;

/** Canonical decimal text ('12.500', '-3'). */
export function isDecimal(v: unknown): v is string {
  return typeof v === 'string' && DECIMAL.test(v);
}

/** Canonical UTC timestamp text ('2026-11-25T14:03:11.000Z'). */
export function isTimestamp(v: unknown): v is string {
  return typeof v === 'string' && TIMESTAMP.test(v);
}

/** Epoch milliseconds of a canonical timestamp (an instant, not a compared amount). */
export function timestampMs(v: string): number {
  return Date.parse(v);
}

/** The exact value of decimal text; canonical text ('-12.500') is read without the general parser. */
export function exact(v: string): ExactDecimal {
  if (!DECIMAL.test(v)) return parseExact(v);
  const dot = v.indexOf('.');
  return dot < 0
    ? { units: BigInt(v), scale: 0 }
    : { units: BigInt(v.slice(0, dot) + v.slice(dot + 1)), scale: v.length - dot - 1 };
}

export function isZero(v: string): boolean {
  return /^-?0+(\.0+)?$/.test(v);
}

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b) [a, b] = [b, a % b];
  return a;
}

/** cloud / legacy as a reduced fraction [num, den] with den > 0; undefined when legacy is 0. */
export function ratio(legacy: string, cloud: string): [bigint, bigint] | undefined {
  const l = exact(legacy);
  const c = exact(cloud);
  if (l.units === 0n) return undefined;
  let num = c.units * pow10(l.scale);
  let den = l.units * pow10(c.scale);
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  const g = gcd(num, den) || 1n;
  return [num / g, den / g];
}

/** A fraction as an exact decimal text when it terminates ('12', '0.125'), else undefined. */
export function fractionToDecimal(num: bigint, den: bigint): string | undefined {
  let d = den;
  let twos = 0;
  let fives = 0;
  while (d % 2n === 0n) {
    d /= 2n;
    twos++;
  }
  while (d % 5n === 0n) {
    d /= 5n;
    fives++;
  }
  if (d !== 1n) return undefined;
  const k = Math.max(twos, fives);
  return formatExact({ units: (num * pow10(k)) / den, scale: k });
}

/** A running exact sum of decimal texts of any scale. */
export class ExactSum {
  private units = 0n;
  private scale = 0;

  add(text: string, negate = false): void {
    const d = exact(text);
    if (d.scale > this.scale) {
      this.units *= pow10(d.scale - this.scale);
      this.scale = d.scale;
    }
    const u = d.units * pow10(this.scale - d.scale);
    this.units += negate ? -u : u;
  }

  /** The sum at the largest scale seen ('-512880.000'). */
  text(): string {
    const neg = this.units < 0n;
    let digits = (neg ? -this.units : this.units).toString();
    if (this.scale > 0) {
      digits = digits.padStart(this.scale + 1, '0');
      digits = `${digits.slice(0, -this.scale)}.${digits.slice(-this.scale)}`;
    }
    return neg ? `-${digits}` : digits;
  }
}

/**
 * The one exact-decimal module: a value v at scale s is the integer v × 10^s (scaled BigInt). One
 * grammar for every decimal cutover reads (source values, event payloads, ledger images, amounts):
 *
 *   [spaces] [+|-] (digits [. [digits]] | . digits) [(e|E) [+|-] digits] [spaces]
 *
 * and one canonical form for every decimal it writes (the engine's values, reports, sums):
 * `-?digits(.digits)?`, never `-0`. Nothing here goes through JavaScript floating point; a JS number
 * is first turned into its shortest round-trip text (String(n)) and parsed like any other text.
 */
import { DataError } from '../errors.js';

export type RoundMode = 'half-up' | 'half-even' | 'truncate';

/** An exact decimal: `units` × 10^−`scale`. */
export interface ExactDecimal {
  units: bigint;
  scale: number;
}

/** The input grammar (see the header); at least one digit is checked after the match. */
const DECIMAL_RE = /^\s*([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/;
/** The canonical form: what the engine emits and reports show. */
const CANONICAL_RE = /^-?\d+(?:\.\d+)?$/;
/** Exponents beyond this are garbage, not data: 10^10000 would allocate for nothing. */
const MAX_EXPONENT = 400;

const POW10: bigint[] = [];
for (let i = 0, p = 1n; i <= 80; i++, p *= 10n) POW10.push(p);

/** 10^n as a BigInt (cached for the usual scales). */
export function pow10(n: number): bigint {
  return POW10[n] ?? 10n ** BigInt(n);
}

function garbage(text: unknown): DataError {
  const shown = String(text).length > 60 ? `${String(text).slice(0, 60)}…` : String(text);
  return new DataError(
    `"${shown}" is not a decimal number.`,
    'Expected digits such as 10.5, -0.71 or 1.05E1.',
  );
}

/**
 * Parses a decimal exactly, keeping every digit it has ('10.50' → {1050n, 2}; '1.05E1' → {105n, 1};
 * '1e3' → {1000n, 0}); undefined when `v` is not a decimal of the grammar (or not a string, number
 * or bigint).
 */
export function tryParseExact(v: unknown): ExactDecimal | undefined {
  if (typeof v === 'bigint') return { units: v, scale: 0 };
  let text: string;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return undefined;
    if (Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER) return { units: BigInt(v), scale: 0 };
    text = String(v);
  } else if (typeof v === 'string') text = v;
  else return undefined;
  const m = DECIMAL_RE.exec(text);
  if (!m) return undefined;
  const int = m[2] ?? '';
  const frac = m[3] ?? '';
  if (int.length + frac.length === 0) return undefined;
  let exp = m[4] ? Number(m[4]) : 0;
  if (Math.abs(exp) > MAX_EXPONENT) return undefined;
  exp -= frac.length;
  let units = BigInt(int + frac);
  if (m[1] === '-') units = -units;
  if (exp >= 0) return { units: units * pow10(exp), scale: 0 };
  return { units, scale: -exp };
}

/** Parses a decimal exactly like tryParseExact; anything else is a DataError (exit 2). */
export function parseExact(text: string | number | bigint): ExactDecimal {
  const d = tryParseExact(text);
  if (!d) throw garbage(text);
  return d;
}

/** Whether `v` is a decimal of the grammar (a string, a finite number or a bigint). */
export function isDecimal(v: unknown): boolean {
  return tryParseExact(v) !== undefined;
}

/** Whether `s` is canonical decimal text (`-1.50`, `42`): no '+', exponent, spaces or bare point. */
export function isCanonicalDecimal(s: string): boolean {
  return CANONICAL_RE.test(s);
}

/** Divides n by d (d > 0) rounding per mode. Exact: BigInt only. */
export function roundDiv(n: bigint, d: bigint, mode: RoundMode = 'half-up'): bigint {
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const q = n / d; // truncates toward zero
  const r = n - q * d;
  if (r === 0n || mode === 'truncate') return q;
  const twice = (r < 0n ? -r : r) * 2n;
  const away = n < 0n ? q - 1n : q + 1n;
  if (twice > d) return away;
  if (twice < d) return q;
  if (mode === 'half-even') return q % 2n === 0n ? q : away;
  return away;
}

/** Brings an exact decimal to `scale` digits, rounding per mode. */
export function rescale(d: ExactDecimal, scale: number, round: RoundMode = 'half-up'): bigint {
  if (d.scale === scale) return d.units;
  if (d.scale < scale) return d.units * pow10(scale - d.scale);
  return roundDiv(d.units, pow10(d.scale - scale), round);
}

/**
 * Parses a decimal into units at `scale` ('10.5' at scale 2 → 1050n). Accepts '10.5', '1.05E1', '-0',
 * '.71', '+3', '  12 ', bigint and JS numbers; throws a DataError on anything else.
 */
export function parseDecimal(
  text: string | number | bigint,
  scale: number,
  round: RoundMode = 'half-up',
): bigint {
  if (typeof text === 'bigint') return text * pow10(scale);
  return rescale(parseExact(text), scale, round);
}

/** Units of decimal text at `scale`, digits past it dropped ('-1.239' at 2 → -123n): for display sums. */
export function toScaled(text: string, scale: number): bigint {
  return parseDecimal(text, scale, 'truncate');
}

/** Formats units at `scale` as text: '10.50', '-0.71', '0.00' (never '-0.00'). */
export function formatDecimal(units: bigint, scale: number): string {
  const neg = units < 0n;
  let digits = (neg ? -units : units).toString();
  if (scale > 0) {
    if (digits.length <= scale) digits = '0'.repeat(scale - digits.length + 1) + digits;
    digits = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  }
  return neg ? `-${digits}` : digits;
}

const ZEROS = '0'.repeat(80);

/** Whether a character code is an ASCII digit. */
export const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * The canonical text of plain decimal text at `scale`, by string operations only ('12.500000' at 3 →
 * '12.500'); undefined when the text is not plain digits (`-?\d+(\.\d*)?`) or rounding is needed
 * (then use BigInt). The hot path of normalization: most values a database prints are plain, and
 * many are already canonical, which costs one scan and no new string.
 */
export function plainDecimalAtScale(text: string, scale: number): string | undefined {
  const n = text.length;
  if (scale > 80) return undefined;
  let i = text.charCodeAt(0) === 45 ? 1 : 0;
  const neg = i === 1;
  const intStart = i;
  while (i < n && isDigit(text.charCodeAt(i))) i++;
  const intEnd = i;
  if (intEnd === intStart) return undefined;
  let fracStart = n;
  const hasDot = i < n;
  if (hasDot) {
    if (text.charCodeAt(i) !== 46) return undefined;
    fracStart = ++i;
    while (i < n) if (!isDigit(text.charCodeAt(i++))) return undefined;
  }
  const fracLen = n - fracStart;
  // Digits past the scale must be zeros (else rounding is needed: the BigInt path).
  for (let j = fracStart + scale; j < n; j++) if (text.charCodeAt(j) !== 48) return undefined;
  let s = intStart;
  while (s < intEnd - 1 && text.charCodeAt(s) === 48) s++;
  const keptEnd = Math.min(n, fracStart + scale);
  let signed = neg;
  if (neg) {
    // -0, -0.000: no minus sign on zero.
    signed = false;
    for (let j = s; j < intEnd && !signed; j++) if (text.charCodeAt(j) !== 48) signed = true;
    for (let j = fracStart; j < keptEnd && !signed; j++) if (text.charCodeAt(j) !== 48) signed = true;
  }
  const dotOk = scale > 0 ? hasDot && fracLen === scale : !hasDot;
  if (s === intStart && dotOk && signed === neg) return text;
  const int = text.slice(s, intEnd);
  const body =
    scale > 0
      ? `${int}.${text.slice(fracStart, keptEnd)}${ZEROS.slice(0, scale - (keptEnd - fracStart))}`
      : int;
  return signed ? `-${body}` : body;
}

/** Where the field of the last writeDecimalField that wrote a number ended: at its tab, or at `to`. */
export let decimalFieldEnd = 0;

/**
 * `plainDecimalAtScale` on the bytes of a field of a text line: the canonical text of the ASCII
 * decimal that starts at `p` and ends at the next tab or at `to` (where it ended is then in
 * `decimalFieldEnd`), written to `out` at `at`; returns the position after it, or -1 (nothing
 * meaningful written) where `plainDecimalAtScale` gives undefined. With `trim`, spaces around the
 * number are left out first. One pass: each byte is looked at once, as it is copied (the field's
 * end is not needed first). `out` needs room for the field's bytes + `scale` + 2. A unit test
 * checks it against `plainDecimalAtScale`.
 */
export function writeDecimalField(
  src: Uint8Array,
  p: number,
  to: number,
  scale: number,
  trim: boolean,
  out: Uint8Array,
  at: number,
): number {
  if (scale > 80) return -1;
  if (trim) while (p < to && src[p] === 32) p++;
  const signAt = at;
  const neg = p < to && src[p] === 45;
  if (neg) {
    out[at++] = 45;
    p++;
  }
  const intStart = p;
  // Leading zeros are dropped; a zero is written back below when no other digit follows.
  while (p < to && src[p] === 48) p++;
  const digitsAt = at;
  let b = 0;
  while (p < to) {
    b = src[p]!;
    if (b < 48 || b > 57) break;
    out[at++] = b;
    p++;
  }
  // A digit other than zero was copied: the value is not zero.
  let nonzero = at > digitsAt;
  if (!nonzero) {
    if (p === intStart) return -1;
    out[at++] = 48;
  }
  if (scale > 0) out[at++] = 46;
  let k = 0;
  if (p < to && src[p] === 46) {
    for (p++; p < to; p++, k++) {
      b = src[p]!;
      if (b < 48 || b > 57) break;
      if (k < scale) {
        out[at++] = b;
        if (b !== 48) nonzero = true;
      } else if (b !== 48) return -1;
    }
  }
  for (; k < scale; k++) out[at++] = 48;
  if (trim) while (p < to && src[p] === 32) p++;
  if (p < to && src[p] !== 9) return -1;
  decimalFieldEnd = p;
  if (neg && !nonzero) {
    // -0 is 0: the sign is taken back.
    out.copyWithin(signAt, signAt + 1, at);
    at--;
  }
  return at;
}

/** Where a plain decimal's parts are: `-?D+(.D+)?`, or undefined for any other text. */
interface PlainParts {
  neg: boolean;
  /** The integer digits without leading zeros: [intStart, intEnd). */
  intStart: number;
  intEnd: number;
  /** The fraction's digits without trailing zeros: [fracStart, fracEnd). */
  fracStart: number;
  fracEnd: number;
}

function plainParts(t: string): PlainParts | undefined {
  let i = t.charCodeAt(0) === 45 ? 1 : 0;
  const neg = i === 1;
  const digits = i;
  while (i < t.length && isDigit(t.charCodeAt(i))) i++;
  const intEnd = i;
  if (intEnd === digits) return undefined;
  let fracStart = intEnd;
  let fracEnd = intEnd;
  if (i < t.length) {
    if (t.charCodeAt(i) !== 46) return undefined;
    fracStart = ++i;
    while (i < t.length && isDigit(t.charCodeAt(i))) i++;
    if (i === fracStart || i < t.length) return undefined;
    fracEnd = i;
    while (fracEnd > fracStart && t.charCodeAt(fracEnd - 1) === 48) fracEnd--;
  }
  let intStart = digits;
  while (intStart < intEnd && t.charCodeAt(intStart) === 48) intStart++;
  // -0 and -0.00 are zero, not negative.
  return { neg: neg && (intStart < intEnd || fracEnd > fracStart), intStart, intEnd, fracStart, fracEnd };
}

/** |a| against |b| (-1, 0, 1), from their plain parts: digit counts, then digits. */
function compareMagnitude(a: string, pa: PlainParts, b: string, pb: PlainParts): number {
  const la = pa.intEnd - pa.intStart;
  const lb = pb.intEnd - pb.intStart;
  if (la !== lb) return la < lb ? -1 : 1;
  for (let i = 0; i < la; i++) {
    const d = a.charCodeAt(pa.intStart + i) - b.charCodeAt(pb.intStart + i);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  const fa = pa.fracEnd - pa.fracStart;
  const fb = pb.fracEnd - pb.fracStart;
  for (let i = 0; i < Math.min(fa, fb); i++) {
    const d = a.charCodeAt(pa.fracStart + i) - b.charCodeAt(pb.fracStart + i);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return fa === fb ? 0 : fa < fb ? -1 : 1;
}

/**
 * a against b (-1, 0, 1) when both are plain decimals (`-?D+(.D+)?`, the canonical form), without
 * BigInt (a variance is judged per difference, 100k of them in a large run); undefined otherwise.
 */
export function comparePlainDecimals(a: string, b: string): number | undefined {
  const pa = plainParts(a);
  const pb = pa && plainParts(b);
  if (!pa || !pb) return undefined;
  if (pa.neg !== pb.neg) return pa.neg ? -1 : 1;
  const m = compareMagnitude(a, pa, b, pb);
  return pa.neg ? -m : m;
}

/** The shortest exact text of a decimal: trailing fractional zeros dropped ('10.50' → '10.5', '-0' → '0'). */
export function formatExact(d: ExactDecimal): string {
  let { units, scale } = d;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale--;
  }
  return formatDecimal(units, scale);
}

/** a + b exactly, at the larger of their scales ('0.1' + '0.20' → '0.30'); undefined when either is not a decimal. */
export function addDecimal(a: unknown, b: unknown): string | undefined {
  const x = tryParseExact(a);
  const y = tryParseExact(b);
  if (!x || !y) return undefined;
  const scale = Math.max(x.scale, y.scale);
  return formatDecimal(rescale(x, scale) + rescale(y, scale), scale);
}

/** Digits after the point in canonical decimal text ('10.50' → 2, '7' → 0). */
export function scaleOf(text: string): number {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** a × b / c brought to `scale`, exactly, rounding once at the end (multiply/divide transforms). */
export function mulDiv(
  value: ExactDecimal,
  multiply: ExactDecimal | undefined,
  divide: ExactDecimal | undefined,
  scale: number,
  round: RoundMode = 'half-up',
): bigint {
  // value = v/10^sv, m = mu/10^sm, d = du/10^sd → result×10^scale = v·mu·10^sd·10^scale / (du·10^sv·10^sm)
  let num = value.units;
  let den = pow10(value.scale);
  if (multiply) {
    num *= multiply.units;
    den *= pow10(multiply.scale);
  }
  if (divide) {
    if (divide.units === 0n)
      throw new DataError('Division by zero in a `divide` transform.', 'Fix the mapping.');
    num *= pow10(divide.scale);
    den *= divide.units;
  }
  return roundDiv(num * pow10(scale), den, round);
}

/** |a − b| ≤ tolerance, all three at the same scale. */
export function withinAbsolute(a: bigint, b: bigint, tolerance: bigint): boolean {
  const d = b - a;
  return (d < 0n ? -d : d) <= tolerance;
}

/** |a − b| ≤ rel × max(|a|, |b|), a and b at the same scale, rel an exact decimal fraction. */
export function withinRelative(a: bigint, b: bigint, rel: ExactDecimal): boolean {
  const d = b - a;
  const absA = a < 0n ? -a : a;
  const absB = b < 0n ? -b : b;
  const max = absA > absB ? absA : absB;
  return (d < 0n ? -d : d) * pow10(rel.scale) <= rel.units * max;
}

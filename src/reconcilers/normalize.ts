/**
 * Normalize once, at the edge: every value a side produces is turned into its canonical form before
 * the compare engine sees it, so the engine only ever compares strings (or, for a difference, exact
 * BigInt decimals). Canonical forms are described in docs/technical-explanation.md.
 */
import type { ColumnSpecInput, FieldSpec, FieldType, Mapping } from '../config/mapping-schema.js';
import type { RawValue } from '../adapters/types.js';
import type { CanonicalRow, CanonicalValue, Side } from './types.js';
import { DataError, MappingError } from '../errors.js';
import {
  formatDecimal,
  formatExact,
  plainDecimalAtScale,
  mulDiv,
  parseExact,
  rescale,
  type ExactDecimal,
} from '../util/exact-decimal.js';
import { checkTimeZone, formatInstant, parseInstant } from './timestamp.js';
import { booleanText, dateText, scalarText } from '../util/scalar-text.js';

/** How one side of a mapping turns a selected row into canonical values. */
export interface SideNormalizer {
  /** Source columns to select, in order (no duplicates). */
  columns: string[];
  /** Per column, the field type (a hint for adapters: ReadRequest.types). */
  types: (FieldType | undefined)[];
  /** Canonical values for every mapping field (key fields included). */
  normalize(raw: RawValue[]): CanonicalRow;
  /**
   * Per mapping field, how RowPacker.addLine writes it straight from a text line's bytes when its
   * value is plain; undefined when a field has a transform that needs `normalize`.
   */
  lanes?: Record<string, ByteLane>;
}

/**
 * A field whose canonical form, for a plain value, is a slice of the source's text: a string
 * column with at most `trim` (ASCII text is its own NFC form), or an integer or decimal column with
 * at most `trim`, brought to `scale` by `plainDecimalAtScale` (the first step of the decimal
 * conversion below). Any value these do not cover goes through `normalize`.
 */
export interface ByteLane {
  /** The field's column in `columns`. */
  column: number;
  kind: 'text' | 'decimal';
  trim: boolean;
  scale: number;
}

/** The lane of a field when its conversion is exactly a lane's (no map, case, nullAs, constant, sign, factor). */
function laneOf(field: FieldSpec, spec: ColumnObject, column: number): ByteLane | undefined {
  const plain = Object.entries(spec).every(([k, v]) => v === undefined || k === 'column' || k === 'trim');
  if (!plain || column < 0 || field.nullAs !== undefined || field.case !== undefined) return undefined;
  const trim = spec.trim ?? field.trim ?? false;
  if (field.type === 'string') return { column, kind: 'text', trim, scale: 0 };
  if (field.type === 'integer') return { column, kind: 'decimal', trim, scale: 0 };
  if (field.type === 'decimal' && field.scale !== undefined)
    return { column, kind: 'decimal', trim, scale: field.scale };
  return undefined;
}

type ColumnObject = Exclude<ColumnSpecInput, string>;
type Convert = (v: RawValue, row: RawValue[]) => CanonicalValue;

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

/** Builds the normalizer of one side of a mapping; throws a MappingError for a transform that cannot work. */
export function buildNormalizer(
  mapping: Mapping,
  side: Side,
  opts: { defaultTimezone?: string } = {},
): SideNormalizer {
  const sideSpec = mapping[side];
  const columns: string[] = [];
  const types: (FieldType | undefined)[] = [];
  const columnIndex = (name: string, type: FieldType | undefined): number => {
    let i = columns.indexOf(name);
    if (i < 0) {
      i = columns.push(name) - 1;
      types.push(type);
    }
    return i;
  };
  const fieldNames = Object.keys(mapping.fields);
  const readers: ((row: RawValue[]) => CanonicalValue)[] = [];
  let lanes: Record<string, ByteLane> | undefined = {};
  for (const name of fieldNames) {
    const field = mapping.fields[name]!;
    const input = sideSpec.columns[name];
    const spec: ColumnObject =
      input === undefined ? { column: name } : typeof input === 'string' ? { column: input } : input;
    const where = `${mapping.file}: ${side}.columns.${name}`;
    const convert = buildConvert(mapping, side, name, field, spec, opts, where);
    const columnName = spec.value !== undefined ? undefined : (spec.column ?? name);
    const idx = columnName === undefined ? -1 : columnIndex(columnName, field.type);
    const signIdx = spec.signFrom ? columnIndex(spec.signFrom.column, undefined) : -1;
    const negatives = spec.signFrom
      ? new Set(
          (Array.isArray(spec.signFrom.negative) ? spec.signFrom.negative : [spec.signFrom.negative]).map(
            (s) => s.trim(),
          ),
        )
      : undefined;
    if (spec.signFrom && field.type !== 'decimal' && field.type !== 'integer')
      throw new MappingError(
        `${where}: signFrom applies to a ${field.type} field.`,
        'Use signFrom on a decimal or integer field.',
      );
    const lane = laneOf(field, spec, idx);
    if (lanes && lane) lanes[name] = lane;
    else lanes = undefined;
    const constant = spec.value === undefined ? undefined : (spec.value as RawValue);
    const describe = (v: unknown, reason: string) =>
      `${mapping.file}: mapping ${mapping.name}, ${side} field "${name}"` +
      `${columnName ? ` (column ${columnName})` : ''}: the value "${shown(v)}" is ${reason}`;
    readers.push((row) => {
      const v = idx < 0 ? (constant ?? null) : (row[idx] ?? null);
      let out: CanonicalValue;
      try {
        out = convert(v, row);
      } catch (err) {
        if (err instanceof DataError) {
          const reason = /^".*" is (.*)$/s.exec(err.message)?.[1] ?? err.message;
          throw new DataError(describe(v, reason), err.hint, { cause: err });
        }
        throw err;
      }
      if (negatives && out !== null && out !== '0' && !/^0\.0*$/.test(out)) {
        const ind = row[signIdx];
        if (ind !== null && ind !== undefined && negatives.has(String(ind).trim()))
          out = out.startsWith('-') ? out.slice(1) : `-${out}`;
      }
      return out;
    });
  }
  return {
    columns,
    types,
    ...(lanes ? { lanes } : {}),
    normalize(raw: RawValue[]): CanonicalRow {
      const out: CanonicalRow = {};
      for (let i = 0; i < fieldNames.length; i++) out[fieldNames[i]!] = readers[i]!(raw);
      return out;
    },
  };
}

function shown(v: unknown): string {
  const s = v instanceof Date ? v.toISOString() : String(v);
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

/** The string form of a raw value (map lookup, string fields): numbers in their shortest round-trip text. */
const stringForm: (v: Exclude<RawValue, null>) => string = scalarText;

function buildConvert(
  mapping: Mapping,
  side: Side,
  name: string,
  field: FieldSpec,
  spec: ColumnObject,
  opts: { defaultTimezone?: string },
  where: string,
): Convert {
  const trim = spec.trim ?? field.trim ?? false;
  const nullAs = spec.nullAs ?? field.nullAs;
  const typed = buildTyped(mapping, side, field, spec, opts, where);
  const caseOf = (s: string): string => {
    if (spec.case) s = spec.case === 'upper' ? s.toUpperCase() : s.toLowerCase();
    if (field.case) s = field.case === 'upper' ? s.toUpperCase() : s.toLowerCase();
    return s;
  };
  const map = spec.map ? new Map(Object.entries(spec.map)) : undefined;
  const unmapped = spec.unmapped ?? 'keep';
  return (v) => {
    if (map && v !== null) {
      let key = stringForm(v);
      if (trim) key = key.trim();
      const hit = map.get(key);
      if (hit !== undefined) v = hit as RawValue;
      else if (!map.has(key)) {
        if (unmapped === 'error')
          throw new DataError(
            `"${shown(key)}" is not in the map.`,
            `Add it under ${side}.columns.${name}.map in ${mapping.file}, or set unmapped: keep.`,
          );
        if (unmapped === 'null') v = null;
      }
    }
    if (v === null && nullAs !== undefined) v = nullAs;
    if (v === null) return null;
    if (field.type === 'string') {
      let s = stringForm(v);
      if (NON_ASCII.test(s)) s = s.normalize('NFC');
      if (trim) s = s.trim();
      return caseOf(s);
    }
    if (trim && typeof v === 'string') v = v.trim();
    return typed(v);
  };
}

function literal(text: string, where: string, what: string): ExactDecimal {
  try {
    return parseExact(text);
  } catch {
    throw new MappingError(
      `${where}: ${what} "${text}" is not a decimal number.`,
      'Write it as digits, e.g. 12 or 0.5.',
    );
  }
}

/** The type-specific part of a conversion: a non-null raw value to its canonical text. */
function buildTyped(
  mapping: Mapping,
  side: Side,
  field: FieldSpec,
  spec: ColumnObject,
  opts: { defaultTimezone?: string },
  where: string,
): (v: Exclude<RawValue, null>) => string {
  switch (field.type) {
    case 'string':
      return (v) => stringForm(v); // handled by the caller (trim, case, NFC)
    case 'integer':
    case 'decimal': {
      const multiply = spec.multiply !== undefined ? literal(spec.multiply, where, 'multiply') : undefined;
      const divide = spec.divide !== undefined ? literal(spec.divide, where, 'divide') : undefined;
      if (divide && divide.units === 0n)
        throw new MappingError(`${where}: divide by zero.`, 'Fix the divisor.');
      const round = field.round ?? 'half-up';
      const scale = field.type === 'integer' ? 0 : field.scale;
      if (divide && scale === undefined)
        throw new MappingError(
          `${where}: divide needs the field's scale (the quotient may not end).`,
          `Add scale: N to fields.${Object.keys(mapping.fields).find((k) => mapping.fields[k] === field)} in ${mapping.file}.`,
        );
      return (v) => {
        if (typeof v === 'boolean') v = v ? 1n : 0n;
        if (typeof v === 'string' && scale !== undefined && !multiply && !divide) {
          const fast = plainDecimalAtScale(v, scale);
          if (fast !== undefined) return fast;
        }
        if (v instanceof Date || v instanceof Uint8Array)
          throw new DataError('not a number.', 'Map a numeric column to this field.');
        const d = parseExact(v);
        if (scale === undefined) {
          const exact = multiply ? { units: d.units * multiply.units, scale: d.scale + multiply.scale } : d;
          return formatExact(exact);
        }
        if (
          field.type === 'integer' &&
          !multiply &&
          !divide &&
          rescale(d, 0, 'truncate') * 10n ** BigInt(d.scale) !== d.units
        )
          throw new DataError(
            'not an integer.',
            'Declare the field as decimal with a scale, or fix the data.',
          );
        const units =
          multiply || divide ? mulDiv(d, multiply, divide, scale, round) : rescale(d, scale, round);
        return formatDecimal(units, scale);
      };
    }
    case 'boolean':
      return (v) => {
        const b = booleanText(v);
        if (b) return b;
        throw new DataError(
          'not a boolean.',
          'Expected true/false, 1/0, t/f, Y/N or yes/no; or map the values with `map`.',
        );
      };
    case 'date':
      return (v) => {
        if (v instanceof Date) {
          if (Number.isNaN(v.getTime())) throw new DataError('not a date.', 'Expected YYYY-MM-DD.');
          return v.toISOString().slice(0, 10);
        }
        const d = dateText(stringForm(v));
        if (d === undefined) throw new DataError('not a date.', 'Expected YYYY-MM-DD.');
        return d;
      };
    case 'timestamp': {
      const zone = spec.timezone ?? mapping[side].timezone ?? opts.defaultTimezone;
      if (zone) checkTimeZone(zone, where);
      const precision = field.precision ?? 'ms';
      return (v) => {
        if (typeof v !== 'string' && !(v instanceof Date))
          throw new DataError('not a timestamp.', 'Map a timestamp or text column to this field.');
        return formatInstant(parseInstant(v, zone), precision);
      };
    }
  }
}

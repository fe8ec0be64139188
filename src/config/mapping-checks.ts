import { MappingError } from '../errors.js';
import { isTimeZone } from '../util/zoned-time.js';
import {
  DOMAIN_ROLES,
  type FieldSpec,
  type FieldType,
  type Mapping,
  type SideSpec,
} from './mapping-schema.js';
import { roleField } from './role-field.js';
import { suggest } from '../util/suggest.js';
import type { LoadedConfig } from './load-config.js';

/**
 * Cross-checks a mapping beyond what its schema can say, before any query runs: every key and
 * field produced by both sides, totals naming known numeric fields, transforms that fit the field's
 * type, tolerances parseable for it, a domain's roles present, connections that exist. The first
 * problem found is thrown as a MappingError naming the file, the place and the fix.
 */
export function crossCheckMapping(m: Mapping, config?: LoadedConfig): void {
  const fail = (where: string, what: string, fix: string): never => {
    throw new MappingError(`${m.file}: ${where}: ${what}.`, fix);
  };
  const fields = Object.keys(m.fields);
  // A hint listing the fields that fit; when none does, what to declare instead (never "no fields
  // declared" for a mapping that declares some, just none of the kind asked for).
  const oneOf = (names: string[] = fields, none = 'Declare the field under fields:.') =>
    names.length ? `Use one of: ${names.join(', ')}.` : none;
  const numeric = fields.filter((f) => isNumeric(m.fields[f]!.type));
  const datelike = fields.filter((f) => ['date', 'timestamp'].includes(m.fields[f]!.type));
  const noDatelike = `The mapping declares no date or timestamp field: declare one (like \`updated_at: { type: timestamp }\`, mapped on both sides) for --since/--until to filter on, or remove \`window\`.`;
  const noNumeric = `The mapping declares no decimal or integer field: declare one (like \`on_hand: { type: decimal }\`), or remove it from \`absentAsZero\`.`;

  if (fields.length === 0) fail('fields', 'no fields are declared', 'Declare the key and compared fields.');
  for (const k of m.key)
    if (!m.fields[k])
      fail('key', `"${k}" is not a declared field`, `Declare it under fields:, or ${lower(oneOf())}`);
  for (const [name, spec] of Object.entries(m.fields)) checkField(name, spec, fail);
  for (const side of ['legacy', 'cloud'] as const) checkSide(m, side, config, fail);

  for (const [i, t] of (m.totals ?? []).entries()) {
    for (const f of [...(t.by ?? []), ...(t.sum ?? []), ...(t.value ?? [])])
      if (!m.fields[f]) fail(`totals[${i}]`, `"${f}" is not a declared field`, oneOf());
    for (const f of [...(t.sum ?? []), ...(t.value ?? [])])
      if (!numeric.includes(f))
        fail(
          `totals[${i}]`,
          `"${f}" is a ${m.fields[f]!.type} field and cannot be summed`,
          numeric.length
            ? `Sum a decimal or integer field: ${numeric.join(', ')}.`
            : 'The mapping declares no decimal or integer field to sum: declare one, or use `count: true`.',
        );
    if (!t.sum?.length && !t.value && !t.count)
      fail(
        `totals[${i}]`,
        'it computes nothing',
        'Give `sum: [field]`, `value: [qty, price]` or `count: true`.',
      );
  }
  if (m.window) {
    const f = m.window.field;
    const spec = m.fields[f];
    if (!spec) fail('window.field', `"${f}" is not a declared field`, oneOf(datelike, noDatelike));
    else if (spec.type !== 'timestamp' && spec.type !== 'date')
      fail(
        'window.field',
        `"${f}" is a ${spec.type} field, but --since/--until filter on a date or timestamp`,
        oneOf(datelike, noDatelike),
      );
    for (const side of ['legacy', 'cloud'] as const) {
      const col = m[side].columns[f];
      if (col !== undefined && (typeof col !== 'string' ? !col.column || col.value !== undefined : false))
        fail(
          `${side}.columns.${f}`,
          `the window field "${f}" must come from a plain column (the filter is pushed down into SQL), not a constant`,
          `Map ${f} to a column on the ${side} side, or remove \`window\`.`,
        );
    }
  }
  for (const f of m.absentAsZero ?? []) {
    if (!m.fields[f]) fail('absentAsZero', `"${f}" is not a declared field`, oneOf());
    if (!numeric.includes(f))
      fail('absentAsZero', `"${f}" is not a decimal or integer field`, oneOf(numeric, noNumeric));
  }
  for (const [level, v] of Object.entries(m.thresholds ?? {}))
    if (v !== undefined && !DECIMAL.test(v))
      fail(`thresholds.${level}`, `"${v}" is not a decimal number`, 'Write it like "100" or "0.50".');
  for (const [bound, v] of Object.entries(m.materiality ?? {}))
    if (v !== undefined && !UNSIGNED_DECIMAL.test(v))
      fail(
        `materiality.${bound}`,
        `"${v}" is not a decimal number of zero or more`,
        bound === 'share'
          ? 'Write the share of the legacy total as a fraction, like "0.0005" (0.05%).'
          : 'Write the amount as exact decimal text, like "250.00".',
      );
  checkDomain(m, fail);
}

type Fail = (where: string, what: string, fix: string) => never;

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const UNSIGNED_DECIMAL = /^\+?(\d+(\.\d*)?|\.\d+)$/;
// The units the compare engine reads (src/reconcilers/timestamp.ts parseDuration).
const DURATION = /^\s*\d+\s*(us|ms|s|m|h)\s*$/i;

function isNumeric(t: FieldType): boolean {
  return t === 'decimal' || t === 'integer';
}

function lower(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function checkField(name: string, f: FieldSpec, fail: Fail): void {
  const at = `fields.${name}`;
  const only = (option: string, types: FieldType[]) =>
    fail(
      `${at}.${option}`,
      `\`${option}\` applies to ${types.join(' or ')} fields, and "${name}" is a ${f.type} field`,
      `Remove \`${option}\`, or change the type of ${name}.`,
    );
  if (f.scale !== undefined && f.type !== 'decimal') only('scale', ['decimal']);
  if (f.round !== undefined && f.type !== 'decimal') only('round', ['decimal']);
  if (f.relativeTolerance !== undefined && f.type !== 'decimal') only('relativeTolerance', ['decimal']);
  if (f.precision !== undefined && f.type !== 'timestamp') only('precision', ['timestamp']);
  if (f.trim !== undefined && f.type !== 'string') only('trim', ['string']);
  if (f.case !== undefined && f.type !== 'string') only('case', ['string']);
  if (f.currency !== undefined && !isNumeric(f.type)) only('currency', ['decimal', 'integer']);
  if (f.tolerance !== undefined) {
    if (isNumeric(f.type)) {
      if (!UNSIGNED_DECIMAL.test(f.tolerance))
        fail(
          `${at}.tolerance`,
          `"${f.tolerance}" is not a non-negative decimal number`,
          `Write it as a quoted decimal, like tolerance: "0.005".`,
        );
    } else if (f.type === 'timestamp') {
      if (!DURATION.test(f.tolerance))
        fail(
          `${at}.tolerance`,
          `"${f.tolerance}" is not a duration`,
          'Write a number and a unit: 1s, 500ms, 250us, 2m or 1h.',
        );
    } else only('tolerance', ['decimal', 'integer', 'timestamp']);
  }
  if (f.relativeTolerance !== undefined && !UNSIGNED_DECIMAL.test(f.relativeTolerance))
    fail(
      `${at}.relativeTolerance`,
      `"${f.relativeTolerance}" is not a non-negative decimal fraction`,
      'Write it like "0.001" (0.1%).',
    );
  if (f.nullAs !== undefined && isNumeric(f.type) && !DECIMAL.test(String(f.nullAs)))
    fail(`${at}.nullAs`, `${JSON.stringify(f.nullAs)} is not a number`, 'Write it like 0.');
}

function checkSide(m: Mapping, side: 'legacy' | 'cloud', config: LoadedConfig | undefined, fail: Fail): void {
  const s: SideSpec = m[side];
  if (!s.table && !s.query)
    fail(
      side,
      'neither `table` nor `query` is given',
      'Name the table (table: dbo.INVENTSUM) or give a query.',
    );
  if (s.table && s.query) fail(side, 'both `table` and `query` are given', 'Keep one of them.');
  if (config && !config.connections[s.connection])
    fail(
      `${side}.connection`,
      `there is no connection "${s.connection}" in ${config.file}`,
      `Use one of: ${Object.keys(config.connections).join(', ') || '(none defined)'}.`,
    );
  if (s.timezone !== undefined && !isTimeZone(s.timezone))
    fail(
      `${side}.timezone`,
      `"${s.timezone}" is not a known time zone`,
      'Use an IANA name like America/New_York.',
    );
  for (const k of m.key)
    if (!(k in s.columns))
      fail(
        `${side}.columns`,
        `the key field "${k}" is not produced by the ${side} side`,
        `Add \`${k}: <column>\` under ${side}.columns, naming the ${side} column that holds ${k}.`,
      );
  for (const f of Object.keys(m.fields))
    if (!(f in s.columns))
      fail(
        `${side}.columns`,
        `the field "${f}" is not produced by the ${side} side`,
        `Add \`${f}: <column>\` under ${side}.columns, or remove the field.`,
      );
  for (const [name, col] of Object.entries(s.columns)) {
    const at = `${side}.columns.${name}`;
    const field = m.fields[name];
    if (!field) {
      fail(
        at,
        `"${name}" is not a declared field`,
        `Declare it under fields:, or remove it from ${side}.columns.`,
      );
      continue;
    }
    if (typeof col === 'string') continue;
    if (col.column === undefined && col.value === undefined)
      fail(
        at,
        'neither `column` nor `value` is given',
        `Name the ${side} column (column: NAME) or give a constant (value: ...).`,
      );
    if (col.column !== undefined && col.value !== undefined)
      fail(at, 'both `column` and `value` are given', 'Keep one of them.');
    const only = (option: string, types: FieldType[]) =>
      fail(
        `${at}.${option}`,
        `\`${option}\` applies to ${types.join(' or ')} fields, and "${name}" is a ${field.type} field`,
        `Remove \`${option}\`, or change the type of ${name}.`,
      );
    if (col.multiply !== undefined && !isNumeric(field.type)) only('multiply', ['decimal', 'integer']);
    if (col.divide !== undefined && !isNumeric(field.type)) only('divide', ['decimal', 'integer']);
    if (col.signFrom !== undefined && !isNumeric(field.type)) only('signFrom', ['decimal', 'integer']);
    if (col.timezone !== undefined && field.type !== 'timestamp') only('timezone', ['timestamp']);
    if (col.trim !== undefined && field.type !== 'string') only('trim', ['string']);
    if (col.case !== undefined && field.type !== 'string') only('case', ['string']);
    if (col.divide !== undefined && field.type === 'decimal' && field.scale === undefined)
      fail(
        `${at}.divide`,
        `dividing ${name} needs the field's scale (a quotient may not end)`,
        `Give fields.${name} a scale, like { type: decimal, scale: 2 }.`,
      );
    for (const op of ['multiply', 'divide'] as const) {
      const v = col[op];
      if (v === undefined) continue;
      if (!DECIMAL.test(v))
        fail(`${at}.${op}`, `"${v}" is not a decimal number`, 'Write it like 12 or "0.5".');
      if (/^[+-]?[0.]*$/.test(v))
        fail(`${at}.${op}`, 'it is zero', `A zero ${op} loses every value; remove it.`);
    }
    if (col.timezone !== undefined && !isTimeZone(col.timezone))
      fail(
        `${at}.timezone`,
        `"${col.timezone}" is not a known time zone`,
        'Use an IANA name like America/New_York.',
      );
    if (col.unmapped !== undefined && !col.map)
      fail(`${at}.unmapped`, '`unmapped` needs a `map`', 'Add the `map`, or remove `unmapped`.');
  }
}

/** The canonical field names each domain's checks need (SPEC "Domain checks"). */
function checkDomain(m: Mapping, fail: Fail): void {
  if (m.roles && (!m.domain || m.domain === 'custom'))
    fail(
      'roles',
      `\`roles\` says which field plays each role of a domain, but the mapping has ${m.domain ? '`domain: custom`' : 'no `domain`'}`,
      'Add `domain: inventory` (or refunds, postings), or remove `roles`.',
    );
  if (!m.domain || m.domain === 'custom') return;
  const roles = DOMAIN_ROLES[m.domain];
  for (const [role, field] of Object.entries(m.roles ?? {})) {
    if (!roles.includes(role)) {
      const near = suggest(role, [...roles]);
      fail(
        `roles.${role}`,
        `"${role}" is not a role of the ${m.domain} domain`,
        `${near ? `Did you mean "${near}"? ` : ''}Its roles are: ${roles.join(', ')}.`,
      );
    }
    if (!(field in m.fields)) {
      const near = suggest(field, Object.keys(m.fields));
      fail(
        `roles.${role}`,
        `the role ${role} is given to "${field}", which is not a declared field`,
        `${near ? `Did you mean "${near}"? ` : ''}Name one of the fields under fields: (${Object.keys(m.fields).join(', ')}).`,
      );
    }
  }
  const f = (role: string) => roleField(m, role);
  const has = (role: string) => f(role) in m.fields;
  const missing: string[] = [];
  const need = (role: string) => {
    if (!has(role)) missing.push(`\`${role}\``);
  };
  switch (m.domain) {
    case 'inventory':
      need('location');
      need('on_hand');
      break;
    case 'refunds':
      need('amount');
      need('status');
      need('refunded_at');
      break;
    case 'postings':
      need('journal');
      need('account');
      if (!has('period') && !has('posting_date')) missing.push('`period` or `posting_date`');
      if (!has('amount') && !(has('debit') && has('credit')))
        missing.push(
          has('debit') || has('credit')
            ? '`debit` and `credit` (both)'
            : '`amount` (or `debit` and `credit`)',
        );
      break;
  }
  if (missing.length)
    fail(
      'domain',
      `the ${m.domain} domain needs the field${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not declared`,
      `Declare ${missing.length > 1 ? 'them' : 'it'} under fields:, or say which of your fields plays ${missing.length > 1 ? 'each role' : 'the role'} with \`roles:\` (for example \`roles: { ${missing[0]!.replace(/`/g, '').split(' ')[0]}: your_field }\`), or use \`domain: custom\`.`,
    );
  const numericRoles = {
    inventory: ['on_hand', 'unit_cost', 'reserved'],
    refunds: ['amount'],
    postings: ['amount', 'debit', 'credit'],
  }[m.domain];
  for (const role of numericRoles)
    if (has(role) && !isNumeric(m.fields[f(role)]!.type))
      fail(
        `fields.${f(role)}`,
        `the ${m.domain} domain sums "${f(role)}"${f(role) !== role ? ` (its ${role})` : ''}, but it is a ${m.fields[f(role)]!.type} field`,
        'Declare it as type: decimal (or integer).',
      );
}

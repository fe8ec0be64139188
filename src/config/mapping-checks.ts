import { MappingError } from '../errors.js';
import type { Mapping } from './mapping-schema.js';
import type { LoadedConfig } from './load-config.js';

/**
 * Cross-checks a mapping beyond its schema: every key and field produced by both sides, totals
 * naming known fields, transforms that fit the field's type, connections that exist.
 */
export function crossCheckMapping(m: Mapping, config?: LoadedConfig): void {
  const fail = (where: string, what: string, fix: string) => {
    throw new MappingError(`${m.file}: ${where}: ${what}.`, fix);
  };
  const fields = Object.keys(m.fields);
  for (const k of m.key)
    if (!m.fields[k])
      fail(`key`, `"${k}" is not a field`, `Declare it under fields:, or use one of ${fields.join(', ')}.`);
  for (const side of ['legacy', 'cloud'] as const) {
    const s = m[side];
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
        `Use one of ${Object.keys(config.connections).join(', ')}.`,
      );
    for (const f of fields) {
      if (!(f in s.columns))
        fail(
          `${side}.columns`,
          `the field "${f}" is not produced by the ${side} side`,
          `Add ${f}: <column> under ${side}.columns.`,
        );
    }
    for (const c of Object.keys(s.columns)) {
      if (!m.fields[c])
        fail(
          `${side}.columns.${c}`,
          `"${c}" is not a declared field`,
          `Declare it under fields:, or remove it.`,
        );
    }
  }
  for (const [i, t] of (m.totals ?? []).entries()) {
    for (const f of [...(t.by ?? []), ...(t.sum ?? []), ...(t.value ?? [])])
      if (!m.fields[f]) fail(`totals[${i}]`, `"${f}" is not a field`, `Use one of ${fields.join(', ')}.`);
  }
  if (m.window && !m.fields[m.window.field])
    fail('window.field', `"${m.window.field}" is not a field`, `Use one of ${fields.join(', ')}.`);
  for (const f of m.absentAsZero ?? [])
    if (!m.fields[f]) fail('absentAsZero', `"${f}" is not a field`, `Use one of ${fields.join(', ')}.`);
}

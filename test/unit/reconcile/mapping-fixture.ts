import { mappingSchema, type Mapping } from '../../../src/config/mapping-schema.js';

/** A validated mapping from a plain object; both sides read columns named like the fields. */
export function mappingOf(m: {
  domain?: 'inventory' | 'refunds' | 'postings' | 'custom';
  key: string[];
  fields: Record<string, unknown>;
  totals?: unknown[];
  window?: { field: string };
  legacyColumns?: Record<string, unknown>;
  cloudColumns?: Record<string, unknown>;
  legacyTimezone?: string;
}): Mapping {
  const same = Object.fromEntries(Object.keys(m.fields).map((f) => [f, f]));
  const parsed = mappingSchema.parse({
    name: 'unit',
    domain: m.domain,
    key: m.key,
    fields: m.fields,
    totals: m.totals,
    window: m.window,
    legacy: {
      connection: 'legacy',
      table: 't',
      timezone: m.legacyTimezone,
      columns: { ...same, ...m.legacyColumns },
    },
    cloud: { connection: 'cloud', table: 't', columns: { ...same, ...m.cloudColumns } },
  });
  return { ...parsed, file: 'mappings/unit.yaml' };
}

/** The mapping change (YAML) that would remove a cause, or a YAML comment when no mapping change can. */
import type { Cause } from './types.js';

function yamlText(v: string): string {
  return /^[A-Za-z0-9_.-]+$/.test(v) && !/^(true|false|null|yes|no|on|off|~)$/i.test(v) && !/^[-\d.]/.test(v)
    ? v
    : JSON.stringify(v);
}

function whereText(where: Cause['where']): string {
  const e = where ? Object.entries(where)[0] : undefined;
  return e ? ` where ${e[0]} = ${e[1]}` : '';
}

/** One cause's suggestion. */
export function suggestionFor(c: Omit<Cause, 'suggestion'>): string {
  const f = c.field ?? '';
  const ev = c.evidence;
  const only = c.where ? `  # only${whereText(c.where)}: split the mapping or convert in its query` : '';
  switch (c.kind) {
    case 'unit_factor':
      return ev.divisor
        ? `legacy.columns.${f}: { divide: '${ev.divisor}' }${only}`
        : ev.factor
          ? `legacy.columns.${f}: { multiply: '${ev.factor}' }${only}`
          : `legacy.columns.${f}: { multiply: '${ev.ratio?.split('/')[0]}', divide: '${ev.ratio?.split('/')[1]}' }${only}`;
    case 'time_shift':
      return `legacy.columns.${f}: { timezone: <the zone its naive times are in> }  # cloud − legacy = ${ev.seconds} s${whereText(c.where)}`;
    case 'code_substitution':
      return `legacy.columns.${f}: { map: { ${yamlText(ev.legacy ?? '')}: ${yamlText(ev.cloud ?? '')} } }${only}`;
    case 'batch_lag':
      return `# no mapping change: the ${ev.side === 'legacy' ? 'cloud' : 'legacy'} side has not yet received what ${ev.side} recorded after ${ev.after} on ${f}; replay it, or reconcile with --until ${ev.after}`;
    case 'duplicate_posting':
      return `# no mapping change: remove the repeated postings on the ${ev.side} side${whereText(c.where)} (a retried integration)`;
    case 'sign_flip':
      return `legacy.columns.${f}: { multiply: '-1' }  # or signFrom: { column: <debit/credit indicator>, negative: <its credit code> }${whereText(c.where)}`;
    case 'rounding':
      return c.field
        ? `fields.${f}: { tolerance: '${ev.maxDelta}' }`
        : `# no mapping change: rounding lines and journals within ${ev.maxDelta}; accept them, or exclude rounding lines in the mapping's where`;
    case 'padding_or_case':
      return ev.transform === 'trim'
        ? `fields.${f}: { trim: true }`
        : ev.transform === 'case'
          ? `fields.${f}: { case: upper }`
          : `fields.${f}: { trim: true, case: upper }`;
    case 'null_vs_zero':
      return `fields.${f}: { nullAs: 0 }`;
  }
}

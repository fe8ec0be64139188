import { Flags } from '@oclif/core';
import { UsageError } from '../errors.js';
import { COUNT_MAX, integerFlag } from './integer-flag.js';
import { suggest } from '../util/suggest.js';
import { ageMs, clockNow } from '../util/age.js';
import { instantBefore, INSTANT_RANGE_TEXT } from '../util/instant-range.js';
import { causeKinds, type CauseKind } from '../diagnosis/types.js';
import {
  exceptionKinds,
  exceptionStatuses,
  severities,
  sortKeys,
  type ExceptionFilter,
  type ExceptionKind,
  type ExceptionStatus,
  type Severity,
  type SortKey,
} from '../exceptions/types.js';

/** The filter flags shared by list, export and the bulk actions. */
export const filterFlags = {
  status: Flags.string({
    multiple: true,
    description: `only these statuses (${exceptionStatuses.join(', ')}); repeat or comma-separate`,
  }),
  kind: Flags.string({ multiple: true, description: `only these kinds (${exceptionKinds.join(', ')})` }),
  mapping: Flags.string({ multiple: true, description: 'only these mappings (or events mapping names)' }),
  assignee: Flags.string({ description: 'only items assigned to NAME' }),
  severity: Flags.string({ multiple: true, description: `only these severities (${severities.join(', ')})` }),
  'older-than': Flags.string({
    aliases: ['age'],
    description: 'only items first seen at least this long ago: 3d, 12h, 2w',
  }),
  key: Flags.string({ description: 'only items whose key contains TEXT (case-insensitive)' }),
  overdue: Flags.boolean({
    description:
      'only open or assigned items older than their severity allows (`exceptions.sla` in cutover.yaml)',
  }),
  cause: Flags.string({
    multiple: true,
    description: `only items a cause of this kind explains in their latest run (see \`cutover diagnose\`): ${causeKinds.join(', ')}`,
  }),
};

/** How many items the `exceptions list` table shows when --limit is not given. */
export const LIST_TABLE_LIMIT = 200;

export const sortFlags = {
  sort: Flags.string({ description: `order: ${sortKeys.join(', ')}`, default: 'id' }),
  limit: integerFlag({
    description: `at most N items [default: ${LIST_TABLE_LIMIT} in the \`exceptions list\` table; every item with --json and in an export]`,
    min: 1,
    max: COUNT_MAX,
  }),
};

function oneOf<T extends string>(
  flag: string,
  values: string[] | undefined,
  allowed: readonly T[],
): T[] | undefined {
  if (!values?.length) return undefined;
  const out: T[] = [];
  for (const v of values
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter(Boolean)) {
    if (!(allowed as readonly string[]).includes(v)) {
      const near = suggest(v, allowed);
      throw new UsageError(
        `--${flag} ${v} is not one of ${allowed.join(', ')}.`,
        near ? `Did you mean --${flag} ${near}?` : `Use one of: ${allowed.join(', ')}.`,
      );
    }
    out.push(v as T);
  }
  return out;
}

/** Parses an age like `3d`, `12h`, `2w`, `30m` to milliseconds; its cutoff before `now` must be an instant from year 1 on. */
export function parseAge(text: string, now: Date = clockNow()): number {
  const ms = ageMs(text);
  if (ms === undefined)
    throw new UsageError(
      `--older-than ${text} is not an age.`,
      'Write a number and a unit: 30m, 12h, 3d or 2w.',
    );
  if (!instantBefore(now, ms))
    throw new UsageError(
      `--older-than ${text} reaches back before 0001-01-01T00:00:00Z; the first-seen cutoff must lie ${INSTANT_RANGE_TEXT}.`,
      'Write a shorter age: 30m, 12h, 3d or 2w.',
    );
  return ms;
}

/** Builds an ExceptionFilter from the parsed filter (and sort) flags; undefined when none is given. */
export function filterFromFlags(
  flags: {
    status?: string[];
    kind?: string[];
    mapping?: string[];
    assignee?: string;
    severity?: string[];
    'older-than'?: string;
    key?: string;
    cause?: string[];
    overdue?: boolean;
    sort?: string;
    limit?: number;
  },
  config?: { file: string; exceptionSla?: ExceptionFilter['sla'] },
): ExceptionFilter {
  if (flags.overdue && !config?.exceptionSla)
    throw new UsageError(
      `--overdue needs the time each severity may stay open: there is no \`exceptions.sla\` in ${config?.file ?? 'cutover.yaml'}.`,
      'Add for example `exceptions: { sla: { high: 1d, medium: 3d, low: 7d } }` to cutover.yaml.',
    );
  const now = clockNow();
  const filter: ExceptionFilter = {
    now,
    ...(config?.exceptionSla ? { sla: config.exceptionSla } : {}),
    ...(flags.overdue ? { overdue: true } : {}),
    status: oneOf<ExceptionStatus>('status', flags.status, exceptionStatuses),
    kind: oneOf<ExceptionKind>('kind', flags.kind, exceptionKinds),
    mapping: flags.mapping?.flatMap((m) => m.split(',')).filter(Boolean),
    assignee: flags.assignee,
    severity: oneOf<Severity>('severity', flags.severity, severities),
    olderThanMs: flags['older-than'] ? parseAge(flags['older-than'], now) : undefined,
    keyContains: flags.key,
    cause: oneOf<CauseKind>('cause', flags.cause, causeKinds),
    sort: flags.sort ? oneOf<SortKey>('sort', [flags.sort], sortKeys)?.[0] : undefined,
    limit: flags.limit,
  };
  return filter;
}

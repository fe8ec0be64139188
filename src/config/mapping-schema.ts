import { z } from 'zod';

const decimalLiteral = z.union([z.string(), z.number()]).transform((v) => String(v));
const identifier = z.string().min(1);

import { fieldTypes, type FieldType } from '../adapters/settings.js';
import { durationMs } from '../util/age.js';

export { fieldTypes, type FieldType };

/** A wait or an age: 90s, 5m, 1h, 2d (a bare number is seconds). */
export const duration = z
  .union([z.string(), z.number().int().nonnegative().transform(String)])
  .refine((t) => durationMs(t) !== undefined, { message: 'not a duration such as 90s, 5m, 1h or 2d' });

/** Checksum pushdown's modes (`pushdown:` in a mapping, `reconcile --pushdown`). */
export const PUSHDOWN_MODES = ['auto', 'on', 'off'] as const;

/** A canonical field: its type and how it is compared. */
export const fieldSchema = z
  .object({
    type: z.enum(fieldTypes),
    /** decimal: digits after the point; a value with more digits is brought to scale by `round` (default half-up). */
    scale: z.number().int().min(0).max(38).optional(),
    /** decimal/integer: absolute tolerance ("0.005"); timestamp: "1s", "500ms". */
    tolerance: decimalLiteral.optional(),
    /** decimal: relative tolerance as a fraction ("0.001" = 0.1%). */
    relativeTolerance: decimalLiteral.optional(),
    /** decimal: how a value with more digits than `scale` is brought to scale. */
    round: z.enum(['half-up', 'half-even', 'truncate']).optional(),
    /** timestamp: precision kept when comparing. */
    precision: z.enum(['s', 'ms', 'us']).optional(),
    trim: z.boolean().optional(),
    case: z.enum(['upper', 'lower']).optional(),
    /** false: shown in reports, not compared. */
    compare: z.boolean().optional(),
    /** A value that NULL counts as on both sides ("" or 0). */
    nullAs: z.union([z.string(), z.number(), z.boolean()]).optional(),
    /** Display label for reports. */
    label: z.string().optional(),
    /** decimal: currency code shown in reports (money formats). */
    currency: z.string().optional(),
  })
  .strict();

/** How one side produces a canonical field: a column name, or a column with transforms. */
export const columnSchema = z.union([
  identifier,
  z
    .object({
      column: identifier.optional(),
      /** A constant instead of a column. */
      value: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
      map: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
      unmapped: z.enum(['keep', 'error', 'null']).optional(),
      trim: z.boolean().optional(),
      case: z.enum(['upper', 'lower']).optional(),
      multiply: decimalLiteral.optional(),
      divide: decimalLiteral.optional(),
      /** IANA zone of a naive timestamp column. */
      timezone: z.string().optional(),
      nullAs: z.union([z.string(), z.number(), z.boolean()]).optional(),
      /** Sign an unsigned amount from a debit/credit indicator column. */
      signFrom: z
        .object({ column: identifier, negative: z.union([z.string(), z.array(z.string()).min(1)]) })
        .strict()
        .optional(),
    })
    .strict(),
]);

export const sideSchema = z
  .object({
    connection: identifier,
    table: identifier.optional(),
    query: z.string().min(1).optional(),
    where: z.string().min(1).optional(),
    /** Default zone for this side's naive timestamps. */
    timezone: z.string().optional(),
    columns: z.record(z.string(), columnSchema),
  })
  .strict();

export const totalSchema = z
  .object({
    by: z.array(z.string()).optional(),
    sum: z.array(z.string()).optional(),
    /** Sum of the product of two fields (on hand × unit cost). */
    value: z.tuple([z.string(), z.string()]).optional(),
    count: z.boolean().optional(),
    label: z.string().optional(),
  })
  .strict();

export const domains = ['inventory', 'refunds', 'postings', 'custom'] as const;
export type Domain = (typeof domains)[number];

export const mappingSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a mapping name may hold letters, digits, "_", "." and "-"'),
    description: z.string().optional(),
    domain: z.enum(domains).optional(),
    /** Which declared field plays each domain role (`roles: { on_hand: qty_on_hand }`); a role not named here is the field of its own name. */
    roles: z.record(z.string(), identifier).optional(),
    key: z.union([identifier, z.array(identifier).min(1)]).transform((k) => (Array.isArray(k) ? k : [k])),
    fields: z.record(z.string(), fieldSchema),
    window: z.object({ field: identifier }).strict().optional(),
    absentAsZero: z.array(identifier).optional(),
    /** Severity thresholds for the exception queue (absolute variance). */
    thresholds: z
      .object({ high: decimalLiteral.optional(), medium: decimalLiteral.optional() })
      .strict()
      .optional(),
    /**
     * Sign-off bounds on the control totals' absolute differences (inclusive): an amount, a share of
     * the legacy total, or both (docs/signoff.md).
     */
    materiality: z
      .object({ amount: decimalLiteral.optional(), share: decimalLiteral.optional() })
      .strict()
      .refine((m) => m.amount !== undefined || m.share !== undefined, {
        message: 'give `amount`, `share` or both (for example materiality: { amount: "250.00" })',
      })
      .optional(),
    /**
     * Live dual runs (docs/technical-explanation.md): `confirm.after`, the wait before the confirm
     * pass reads the differing keys again; `settle`, rows changed within `age` of each database's
     * clock (on the timestamp field `field`, default the window field) are left out of the run.
     */
    confirm: z.object({ after: duration }).strict().optional(),
    settle: z
      .object({ field: z.string().min(1).optional(), age: duration })
      .strict()
      .optional(),
    legacy: sideSchema,
    cloud: sideSchema,
    totals: z.array(totalSchema).optional(),
    /** Checksum pushdown (docs/technical-explanation.md §8): `auto` (default), `on` or `off`. */
    pushdown: z.enum(PUSHDOWN_MODES).optional(),
  })
  .strict();

/** The roles each domain's checks use (SPEC "Domain checks"). */
export const DOMAIN_ROLES: Record<Exclude<Domain, 'custom'>, readonly string[]> = {
  inventory: ['location', 'on_hand', 'reserved', 'unit_cost'],
  refunds: ['amount', 'status', 'refunded_at', 'requested_at', 'currency', 'channel'],
  postings: ['journal', 'account', 'period', 'posting_date', 'amount', 'debit', 'credit'],
};

export type FieldSpec = z.infer<typeof fieldSchema>;
export type ColumnSpecInput = z.infer<typeof columnSchema>;
export type SideSpec = z.infer<typeof sideSchema>;
export type TotalSpec = z.infer<typeof totalSchema>;
export type MappingFile = z.infer<typeof mappingSchema>;

/** A validated mapping, with where it came from. */
export interface Mapping extends MappingFile {
  file: string;
}

import { z } from 'zod';
import { CSV_ENCODINGS, MAX_CONNECT_TIMEOUT_MS } from '../adapters/settings.js';

export { CSV_ENCODINGS };

import { isTimeZone } from '../util/zoned-time.js';
import { ageMs } from '../util/age.js';
import { instantBefore } from '../util/instant-range.js';
import { REPORT_FORMATS } from './report-formats.js';
import { duration } from './mapping-schema.js';

/** An age such as 1d, 36h, 90m or 2w (a bare number is days), whose cutoff before now is from year 1 on. */
const slaAge = z
  .union([z.string(), z.number().int().nonnegative().transform(String)])
  .refine((t) => ageMs(t) !== undefined, { message: 'not an age such as 1d, 36h, 90m or 2w' })
  .refine((t) => instantBefore(new Date(), ageMs(t) ?? 0) !== undefined, {
    message: 'reaches back before 0001-01-01T00:00:00Z: write an age such as 1d, 36h, 90m or 2w',
  });

/** One entry of `connections:` in cutover.yaml. */
export const connectionSchema = z
  .object({
    url: z.string().min(1, 'a connection needs a url'),
    readOnly: z.boolean().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    /** Default time zone for naive timestamps read from this connection (IANA name). */
    timezone: z
      .string()
      .refine(isTimeZone, {
        message: 'not an IANA time zone name such as UTC, Europe/Berlin or America/New_York',
      })
      .optional(),
    /** CSV folders: the encoding of the extracts (default utf-8; invalid bytes are refused, never replaced). */
    encoding: z.enum(CSV_ENCODINGS).optional(),
    /** Milliseconds to wait when connecting. */
    connectTimeoutMs: z.number().int().positive().max(MAX_CONNECT_TIMEOUT_MS).optional(),
  })
  .strict();

/** cutover.yaml, after `${VAR}` interpolation. */
export const configSchema = z
  .object({
    connections: z.record(z.string(), connectionSchema),
    control: z
      .object({ url: z.string().min(1) })
      .strict()
      .optional(),
    mappings: z.string().optional(),
    reports: z.string().optional(),
    /** Report options: the formats reconcile writes, the cap on detail rows in an Excel workbook. */
    report: z
      .object({
        formats: z
          .array(z.enum(REPORT_FORMATS as [string, ...string[]]))
          .min(1, `name at least one format: ${REPORT_FORMATS.join(', ')}`)
          .optional(),
        xlsxDetailRowCap: z.number().int().positive().max(1_048_000).optional(),
      })
      .strict()
      .optional(),
    /** Reconcile defaults for every mapping: `confirm.after`, the confirm pass's wait (a mapping's own wins). */
    reconcile: z
      .object({
        confirm: z
          .object({
            after: duration,
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    /** The exception queue: `sla`, how long an item of each severity may stay open or assigned. */
    exceptions: z
      .object({
        sla: z.object({ high: slaAge, medium: slaAge, low: slaAge }).partial().strict().optional(),
      })
      .strict()
      .optional(),
    /** Certification: `autoPrepare: immaterial` prepares each run within materiality (a person still approves). */
    signoff: z
      .object({ autoPrepare: z.enum(['immaterial', 'off']).optional() })
      .strict()
      .optional(),
  })
  .strict();

export type ConnectionSpec = z.infer<typeof connectionSchema>;
export type ConfigFile = z.infer<typeof configSchema>;

import fs from 'node:fs/promises';
import { z } from 'zod';
import { MappingError } from '../errors.js';
import { decodeYamlText, parseYamlFile, formatZodError } from './yaml-file.js';
import { knownKeysAt } from './schema-keys.js';
import type { LoadedConfig } from './load-config.js';

/** A value in `match`/`values`/`body`/`headers`: `$.path` into the event, or a literal. */
const valueSpec = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const valueMap = z.record(z.string().min(1), valueSpec);

/** What one event type does on the target: a table action, or an HTTP request. */
export const eventRuleSchema = z
  .object({
    table: z.string().min(1).optional(),
    action: z.enum(['insert', 'upsert', 'update', 'increment', 'delete']).optional(),
    match: valueMap.optional(),
    values: valueMap.optional(),
    request: z
      .object({
        method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
        /** A path under the connection's URL; `{$.payload.id}` placeholders are filled (URL-encoded). */
        path: z.string().min(1),
        /** `$.payload` (a path), a literal, or an object whose values are specs. */
        body: z.union([valueSpec, valueMap]).optional(),
        headers: z.record(z.string(), z.string()).optional(),
      })
      .strict()
      .optional(),
    /** The effect cannot be undone (money paid out): rollback lists it for a person. */
    irreversible: z.boolean().optional(),
    /** A connection other than the mapping's `target` for this event type. */
    target: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.request && (r.table || r.action)) {
      ctx.addIssue({ code: 'custom', message: 'give either `request` or `table` + `action`, not both' });
      return;
    }
    if (r.request) return;
    if (!r.table || !r.action) {
      ctx.addIssue({
        code: 'custom',
        message: 'needs `table` and `action` (or `request` for an HTTP target)',
      });
      return;
    }
    if (r.action !== 'insert' && (!r.match || Object.keys(r.match).length === 0))
      ctx.addIssue({ code: 'custom', path: ['match'], message: `action ${r.action} needs \`match\`` });
    if (
      (r.action === 'update' || r.action === 'increment') &&
      (!r.values || Object.keys(r.values).length === 0)
    )
      ctx.addIssue({ code: 'custom', path: ['values'], message: `action ${r.action} needs \`values\`` });
  });

/** mappings/events.yaml: the target connection and a rule per event type. */
export const eventsMappingSchema = z
  .object({
    name: z.string().min(1).default('events'),
    target: z.string().min(1).optional(),
    events: z.record(z.string().min(1), eventRuleSchema),
  })
  .strict();

export type EventRule = z.infer<typeof eventRuleSchema>;
export type EventsMapping = z.infer<typeof eventsMappingSchema> & { file: string };

/** Reads and validates an events mapping; every connection it names must exist in the config. */
export async function loadEventsMapping(file: string, config?: LoadedConfig): Promise<EventsMapping> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch {
    throw new MappingError(
      `No events mapping file at ${file}.`,
      'Name it with --mapping, or create mappings/events.yaml (docs/configuration.md, "Events mapping").',
    );
  }
  const raw = parseYamlFile(decodeYamlText(bytes, file, MappingError), file, MappingError);
  const parsed = eventsMappingSchema.safeParse(raw);
  if (!parsed.success)
    throw new MappingError(
      formatZodError(parsed.error, file, raw, (p) => knownKeysAt(eventsMappingSchema, p)),
    );
  const mapping: EventsMapping = { ...parsed.data, file };
  if (config) {
    const names = [mapping.target, ...Object.values(mapping.events).map((e) => e.target)];
    for (const n of names)
      if (n && !config.connections[n])
        throw new MappingError(
          `${file} names the connection "${n}", which is not in ${config.file}.`,
          `Use one of: ${Object.keys(config.connections).join(', ') || '(none defined)'}.`,
        );
  }
  return mapping;
}

/**
 * `config check`: an event type whose target (its own `target:`, else the mapping's) is a readOnly
 * connection would be refused by replay; said now, before a night's replay finds it. (Replay itself
 * checks the target it is given, which `--target` may change.)
 */
export function checkEventTargetsWritable(mapping: EventsMapping, config: LoadedConfig): void {
  for (const [type, rule] of Object.entries(mapping.events)) {
    const name = rule.target ?? mapping.target;
    if (name && config.connections[name]?.readOnly)
      throw new MappingError(
        `${mapping.file}: the event type ${type} targets the connection "${name}", which is marked readOnly in ${config.file}, so replay would refuse to write to it.`,
        `Point \`target:\` at a writable connection, or remove \`readOnly: true\` from "${name}" if replay may write there.`,
      );
  }
}

import fs from 'node:fs/promises';
import path from 'node:path';
import { MappingError } from '../errors.js';
import { mappingSchema, type Mapping } from './mapping-schema.js';
import { decodeYamlText, parseYamlDocument, formatZodError } from './yaml-file.js';
import { crossCheckMapping } from './mapping-checks.js';
import { knownKeysAt } from './schema-keys.js';
import type { LoadedConfig } from './load-config.js';

/** Is this parsed YAML an events mapping (replay) rather than a reconcile mapping? */
export function isEventsMapping(raw: unknown): boolean {
  return !!raw && typeof raw === 'object' && 'events' in raw;
}

/** Reads and validates one reconcile mapping file, cross-checked against the config's connections. */
export async function loadMapping(file: string, config?: LoadedConfig): Promise<Mapping> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch {
    throw new MappingError(
      `No mapping file at ${file}.`,
      'Check the mapping name and the `mappings` folder in cutover.yaml.',
    );
  }
  const doc = parseYamlDocument(decodeYamlText(bytes, file, MappingError), file, MappingError);
  const raw = doc.value;
  const parsed = mappingSchema.safeParse(raw);
  if (!parsed.success)
    throw new MappingError(
      formatZodError(parsed.error, file, raw, (p) => knownKeysAt(mappingSchema, p), doc.lineOf),
    );
  const mapping: Mapping = { ...parsed.data, file };
  crossCheckMapping(mapping, config);
  return mapping;
}

/** The reconcile mapping files in the mappings folder (events mappings are skipped). */
export async function listMappingFiles(config: LoadedConfig): Promise<{ file: string; events: boolean }[]> {
  let names: string[];
  try {
    names = await fs.readdir(config.mappingsDir);
  } catch {
    throw new MappingError(
      `The mappings folder ${config.mappingsDir} does not exist.`,
      'Create it, or point `mappings:` in cutover.yaml at the folder that holds your mapping files.',
    );
  }
  const out: { file: string; events: boolean }[] = [];
  for (const n of names.filter((n) => /\.ya?ml$/i.test(n)).sort()) {
    const file = path.join(config.mappingsDir, n);
    const text = decodeYamlText(await fs.readFile(file), file, MappingError);
    const raw = parseYamlDocument(text, file, MappingError).value;
    out.push({ file, events: isEventsMapping(raw) });
  }
  return out;
}

/**
 * Loads the named reconcile mappings (or all of them), validated, before any query runs. A mapping
 * named twice (`reconcile items items`, or by its name and its file's) is listed once, where it was
 * first named: run twice, it would count its differences twice in the exception queue. `onRepeat`
 * hears once of each mapping named more than once.
 */
export async function loadMappings(
  config: LoadedConfig,
  names?: string[],
  onRepeat?: (mapping: Mapping) => void,
): Promise<Mapping[]> {
  const files = (await listMappingFiles(config)).filter((f) => !f.events);
  const all = await Promise.all(files.map((f) => loadMapping(f.file, config)));
  requireDistinctNames(all);
  if (!names || names.length === 0) return all;
  const out: Mapping[] = [];
  const repeated = new Set<Mapping>();
  for (const n of names) {
    const m = all.find((x) => x.name === n || path.basename(x.file).replace(/\.ya?ml$/i, '') === n);
    if (!m)
      throw new MappingError(
        `There is no mapping named "${n}" in ${config.mappingsDir}.`,
        all.length
          ? `Known mappings: ${all.map((x) => x.name).join(', ')}.`
          : 'The folder holds no mapping files yet.',
      );
    if (!out.includes(m)) out.push(m);
    else if (!repeated.has(m)) {
      repeated.add(m);
      onRepeat?.(m);
    }
  }
  return out;
}

/**
 * Two mapping files with one `name:` would share runs and exceptions: the second run would resolve
 * the first one's open items. Refused, naming both files.
 */
export function requireDistinctNames(mappings: readonly Mapping[]): void {
  const seen = new Map<string, string>();
  for (const m of mappings) {
    const first = seen.get(m.name);
    if (first)
      throw new MappingError(
        `Two mapping files declare the name "${m.name}": ${first} and ${m.file}.`,
        'Runs, exceptions and reports are kept by mapping name: give each file its own `name:`.',
      );
    seen.set(m.name, m.file);
  }
}

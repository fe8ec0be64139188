import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { suggest } from '../util/suggest.js';

/** Parses YAML, turning a syntax error into a ConfigError that names the file and line. */
export function parseYamlFile(
  text: string,
  file: string,
  ErrorClass: typeof ConfigError = ConfigError,
): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const line = first.linePos?.[0]?.line;
    const reason = first.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '');
    throw new ErrorClass(
      `${file}${line ? ` line ${line}` : ''} is not valid YAML: ${reason}.`,
      'Fix the indentation or quoting there (values with ":" or "#" need quotes).',
    );
  }
  return doc.toJS() ?? {};
}

function pathText(p: readonly PropertyKey[]): string {
  return p.length
    ? p
        .map((s) => (typeof s === 'number' ? `[${s}]` : String(s)))
        .join('.')
        .replace(/\.\[/g, '[')
    : '(top level)';
}

function valueAt(root: unknown, p: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const k of p) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/** Turns the first zod issue into one sentence naming the file, the path inside it and the fix. */
export function formatZodError(
  error: z.ZodError,
  file: string,
  raw: unknown,
  knownKeys?: (p: readonly PropertyKey[]) => string[],
): string {
  const issue = error.issues[0];
  if (!issue) return `${file} is invalid.`;
  const where = pathText(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const parent = valueAt(raw, issue.path);
    const known = knownKeys?.(issue.path) ?? [];
    const hint = suggest(key, known);
    void parent;
    const at = issue.path.length ? ` in ${where}` : '';
    return `${file}: unknown key "${key}"${at}.${hint ? ` Did you mean \`${hint}\`?` : ''}${known.length ? ` Known keys: ${known.join(', ')}.` : ''}`;
  }
  if (issue.code === 'invalid_type' && valueAt(raw, issue.path) === undefined) {
    return `${file}: ${where} is missing (${issue.expected} expected). Add it.`;
  }
  if (issue.code === 'invalid_value' && 'values' in issue) {
    const got = valueAt(raw, issue.path);
    const hint = suggest(String(got), issue.values.map(String));
    return `${file}: ${where} is ${JSON.stringify(got)}, which is not one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}.${hint ? ` Did you mean \`${hint}\`?` : ''}`;
  }
  return `${file}: ${where}: ${issue.message}.`;
}

import { LineCounter, parseDocument, visit, isMap, isPair, isScalar, isSeq, type Scalar } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { suggest } from '../util/suggest.js';
import { firstInvalidUtf8, utf8Position } from '../util/utf8.js';

/** Rewrites one string scalar of a YAML file (`${VAR}` interpolation); `where` names its place. */
export type ScalarTransform = (value: string, where: { path: string; line: number }) => string;

const YAML_HINTS: Record<string, string> = {
  DUPLICATE_KEY: 'Remove or rename one of the two entries with that key.',
  TAB_AS_INDENT: 'Indent with spaces, not tabs.',
  MISSING_CHAR: 'Close the quote or bracket that is opened there.',
  BAD_INDENT: 'Indent the lines of the same block by the same number of spaces.',
  BLOCK_AS_IMPLICIT_KEY: 'Put each `key: value` on its own line, and quote values that hold ": ".',
  MULTILINE_IMPLICIT_KEY: 'Indent the lines of the same block by the same number of spaces.',
};

/**
 * The text of a YAML file read as bytes: UTF-8, a BOM allowed. Bytes that are not UTF-8 (a file
 * saved as Windows-1252 or Latin-1) are refused, naming the file, the line and the column of the
 * first, rather than read as U+FFFD: a path holding an é saved as Windows-1252 became a file that
 * does not exist, and a value compared or written would silently differ.
 */
export function decodeYamlText(
  bytes: Uint8Array,
  file: string,
  ErrorClass: typeof ConfigError = ConfigError,
): string {
  const at = firstInvalidUtf8(bytes);
  if (at >= 0) {
    const { line, column } = utf8Position(bytes, at);
    const byte = bytes[at]!.toString(16).toUpperCase().padStart(2, '0');
    throw new ErrorClass(
      `${file} line ${line}, column ${column} holds a byte that is not valid UTF-8 (0x${byte}), and cutover reads configuration and mapping files as UTF-8 only.`,
      'Save the file as UTF-8 (with or without a BOM): "Save with Encoding" > UTF-8 in an editor, or `iconv -f windows-1252 -t utf-8 FILE > FILE.utf8` and put that in its place.',
    );
  }
  return new TextDecoder('utf-8').decode(bytes);
}

/**
 * Parses YAML, turning a syntax error into an error that names the file, line and column. Each
 * string value (not key) can be rewritten by `transform`, after parsing: an interpolated value can
 * never change the structure of the file, whatever characters a password holds.
 */
export function parseYamlFile(
  text: string,
  file: string,
  ErrorClass: typeof ConfigError = ConfigError,
  transform?: ScalarTransform,
): unknown {
  return parseYamlDocument(text, file, ErrorClass, transform).value;
}

/** A parsed YAML file and the line of any path in it (for schema errors). */
export interface ParsedYaml {
  value: unknown;
  /** The 1-based line of the node at `path`, or of its nearest parent that exists. */
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

/** As parseYamlFile, and keeps where each value came from so later errors can name its line. */
export function parseYamlDocument(
  text: string,
  file: string,
  ErrorClass: typeof ConfigError = ConfigError,
  transform?: ScalarTransform,
): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    const reason = first.message
      .split('\n')[0]
      ?.replace(/ at line \d+, column \d+:?$/, '')
      .replace(/\.$/, '');
    throw new ErrorClass(
      `${file}${pos ? ` line ${pos.line}, column ${pos.col}` : ''} is not valid YAML: ${reason}.`,
      YAML_HINTS[first.code] ??
        'Fix the indentation or quoting there (values that hold ": " or " #" need quotes).',
    );
  }
  if (transform) {
    visit(doc, {
      Scalar(key, node: Scalar, ancestors) {
        if (key === 'key' || typeof node.value !== 'string') return;
        const path = ancestors
          .filter(isPair)
          .map((p) => (isScalar(p.key) ? String(p.key.value) : '?'))
          .join('.');
        const line = node.range ? lineCounter.linePos(node.range[0]).line : 0;
        const out = transform(node.value, { path: path || '(top level)', line });
        if (out !== node.value) node.value = out;
      },
    });
  }
  let value: unknown;
  try {
    value = doc.toJS() ?? {};
  } catch (err) {
    // yaml refuses to expand aliases past a limit (a "billion laughs" file) and throws.
    throw new ErrorClass(
      `${file} is not usable YAML: ${(err as Error).message.replace(/\.$/, '')} (its aliases, *name, expand to too many values).`,
      'Write the values out instead of repeating them through anchors (&name) and aliases (*name).',
      { cause: err },
    );
  }
  return {
    value,
    lineOf(path) {
      // The line of the key itself (a block value starts on the line after its key).
      for (let n = path.length; n > 0; n--) {
        const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1) as unknown[], true);
        const step = path[n - 1];
        let node: { range?: [number, number, number] | null } | null | undefined;
        if (isMap(parent))
          node = parent.items.find((p) => isScalar(p.key) && p.key.value === step)?.key as typeof node;
        else if (isSeq(parent) && typeof step === 'number') node = parent.items[step] as typeof node;
        if (node?.range) return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    },
  };
}

/** A zod path as a user reads it: `legacy.columns.on_hand`, `totals[0].sum`. */
export function pathText(p: readonly PropertyKey[]): string {
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

function kindOf(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null (empty)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map of keys';
  if (typeof v === 'string') return `the text ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}

const EXPECTED: Record<string, string> = {
  string: 'a text value',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a map of keys',
  array: 'a list',
  record: 'a map of keys',
  tuple: 'a list',
};

type Issue = z.core.$ZodIssue;

/** Issue ranks: an unknown key explains more than the "missing" issue its typo also causes. */
function rank(issue: Issue): number {
  return issue.code === 'unrecognized_keys' ? 0 : 1;
}

/** For a union that failed, the branch issue that explains it: the one that got furthest into the value. */
function unionBranchIssue(issue: Issue & { code: 'invalid_union' }): Issue | undefined {
  const candidates = (issue.errors ?? [])
    .flat()
    .filter((i) => !(i.code === 'invalid_type' && i.path.length === 0));
  candidates.sort((a, b) => rank(a) - rank(b) || b.path.length - a.path.length);
  const best = candidates[0];
  return best ? ({ ...best, path: [...issue.path, ...best.path] } as Issue) : undefined;
}

function describe(
  issue: Issue,
  file: string,
  raw: unknown,
  knownKeys?: (p: readonly PropertyKey[]) => string[],
): string {
  const where = pathText(issue.path);
  const got = valueAt(raw, issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys[0] ?? '';
      const known = knownKeys?.(issue.path) ?? [];
      const hint = suggest(key, known);
      const at = issue.path.length ? ` in ${where}` : ' at the top level';
      const fix = hint
        ? ` Did you mean \`${hint}\`?`
        : known.length
          ? ` Remove it, or use one of: ${known.join(', ')}.`
          : ' Remove it.';
      return `${file}: unknown key "${key}"${at}.${fix}`;
    }
    case 'invalid_type': {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      if (got === undefined) return `${file}: ${where} is missing (${expected} expected). Add it.`;
      return `${file}: ${where} is ${kindOf(got)}, but ${expected} is expected there. Change it.`;
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => JSON.stringify(v));
      const hint = suggest(String(got), issue.values.map(String));
      return `${file}: ${where} is ${JSON.stringify(got)}, which is not one of ${values.join(', ')}.${hint ? ` Did you mean \`${hint}\`?` : ` Use one of them.`}`;
    }
    case 'invalid_union': {
      const branch = unionBranchIssue(issue);
      if (branch) return describe(branch, file, raw, knownKeys);
      const kinds = [
        ...new Set(
          (issue.errors ?? []).flat().map((i) => (i.code === 'invalid_type' ? EXPECTED[i.expected] : '')),
        ),
      ].filter(Boolean);
      if (got === undefined) return `${file}: ${where} is missing (${kinds.join(' or ')} expected). Add it.`;
      return `${file}: ${where} is ${kindOf(got)}, but ${kinds.join(' or ') || 'another kind of value'} is expected there. Change it.`;
    }
    case 'too_small':
    case 'too_big':
    case 'invalid_format':
    case 'not_multiple_of':
    case 'custom':
    default:
      return `${file}: ${where} is ${kindOf(got)}: ${issue.message.replace(/^Invalid input: /, '')}. Change it.`;
  }
}

/**
 * Turns a zod error into one paragraph naming the file, the path inside it and the fix. The most
 * telling issue is reported (an unknown key before the "missing" its typo causes); `knownKeys`
 * gives the keys allowed at a path, for "did you mean".
 */
export function formatZodError(
  error: z.ZodError,
  file: string,
  raw: unknown,
  knownKeys?: (p: readonly PropertyKey[]) => string[],
  lineOf?: (p: readonly PropertyKey[]) => number | undefined,
): string {
  const issues = [...error.issues].sort((a, b) => rank(a) - rank(b));
  const issue = issues[0];
  if (!issue) return `${file} is invalid.`;
  const more = issues.length - 1;
  // The line of the offending key's map: for a union, of the branch issue's deeper path.
  const focus = issue.code === 'invalid_union' ? (unionBranchIssue(issue) ?? issue) : issue;
  const line = lineOf?.(
    focus.code === 'unrecognized_keys' ? [...focus.path, focus.keys[0] ?? ''] : focus.path,
  );
  const at = line ? `${file} line ${line}` : file;
  const text = describe(issue, at, raw, knownKeys);
  return more > 0
    ? `${text} (${more} more problem${more > 1 ? 's' : ''} in this file; fix this one first.)`
    : text;
}

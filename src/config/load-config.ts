import { missingSchemeHint, resolveUrl, sameDatabase } from '../adapters/url-paths.js';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ConnectionConfig } from '../adapters/settings.js';
import { configSchema } from './config-schema.js';
import { ConfigError } from '../errors.js';
import { decodeYamlText, parseYamlDocument, formatZodError } from './yaml-file.js';
import { knownKeysAt } from './schema-keys.js';
import { DEFAULT_REPORT_FORMATS, type ReportFormat } from './report-formats.js';
import { ageMs } from '../util/age.js';
import { registerSecret, redactUrl, urlPassword, userInfoProblem } from '../util/redact.js';

/** A connection from cutover.yaml, with its name (the shape the adapters are opened with). */
export type { ConnectionConfig };

/** cutover.yaml, validated, with every path resolved against the folder that holds it. */
export interface LoadedConfig {
  file: string;
  dir: string;
  connections: Record<string, ConnectionConfig>;
  controlUrl: string;
  mappingsDir: string;
  reportsDir: string;
  xlsxDetailRowCap?: number;
  /** What reconcile writes without --report: `report.formats`, else xlsx and json. */
  reportFormats: ReportFormat[];
  /** `exceptions.sla`: how long an item of each severity may stay open or assigned, in ms. */
  exceptionSla?: Partial<Record<'high' | 'medium' | 'low', number>>;
  /** `signoff:`: certification settings (docs/signoff.md). */
  signoff?: { autoPrepare?: 'immaterial' | 'off' };
  /** `reconcile.confirm.after`: the confirm pass's wait for every mapping, as written. */
  confirmAfter?: string;
}

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const SECRET_NAME = /pass|pw|secret|token|key|auth|credential/i;

/**
 * Whether a `${VAR}` at `offset` of a value sits where a secret goes: a URL's user info or query
 * string, or an HTTP header. Read on the text as written, whose placeholders hold no delimiter.
 */
function isSecretSlot(text: string, offset: number, path: string): boolean {
  if (/(^|\.)headers(\.|$)/.test(path)) return true;
  if (!/(^|\.)url$/.test(path)) return false;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text);
  const query = text.indexOf('?');
  if (query >= 0 && offset > query) return true;
  if (!scheme) return false;
  const start = scheme[0].length;
  const end = text.slice(start).search(/[/?#]|$/) + start;
  const at = text.lastIndexOf('@', end);
  return at >= start && offset >= start && offset < at;
}

/**
 * Replaces `${VAR}` (and `${VAR:-default}`) from the environment; a variable that is not set is an
 * error naming it and, when given, the place in the file that uses it. Values of variables whose
 * name looks secret, and every value put into a URL's user info or query string or into a header,
 * are registered for redaction; `seen` collects which variable gave which value, so a later error
 * can name the variable instead of showing its value.
 */
export function interpolate(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  where?: { path: string; line: number },
  seen?: Map<string, string>,
): string {
  return text.replace(VAR, (_match, name: string, fallback: string | undefined, offset: number) => {
    const value = env[name];
    if (value !== undefined && value !== '') {
      if (SECRET_NAME.test(name) || (where && isSecretSlot(text, offset, where.path))) {
        registerSecret(value);
        seen?.set(name, value);
      }
      return value;
    }
    if (fallback !== undefined) return fallback;
    const at = where
      ? `line ${where.line} (${where.path})`
      : `line ${text.slice(0, offset).split('\n').length}`;
    throw new ConfigError(
      `${file} ${at} uses the environment variable ${name}, which is not set.`,
      `Set it (export ${name}=...) before running cutover, or write \${${name}:-default} to give a default.`,
    );
  });
}

/** Registers the secrets a connection carries (URL password, credential headers) for redaction. */
function registerConnectionSecrets(url: string, headers?: Record<string, string>): void {
  const pw = urlPassword(url);
  if (pw) {
    registerSecret(pw);
    try {
      registerSecret(decodeURIComponent(pw));
    } catch {
      // not valid percent-encoding: the raw text is registered already
    }
  }
  for (const [k, v] of Object.entries(headers ?? {}))
    if (/authorization|token|key|secret|cookie/i.test(k))
      registerSecret(v.replace(/^(Bearer|Basic)\s+/i, ''));
}

/**
 * A password holding "/", "?" or "#" unencoded would be read by the driver as the end of the user
 * info, the rest as a host or a path (which the driver then echoes): refused before any connection,
 * naming the variable that holds it but showing no part of it.
 */
function requireReadableUserInfo(
  url: string,
  at: string[],
  file: string,
  lineOf: (p: readonly PropertyKey[]) => number | undefined,
  seen: Map<string, string>,
): void {
  const problem = userInfoProblem(url);
  if (!problem) return;
  const line = lineOf(at);
  const vars = [...seen].filter(([, v]) => url.includes(v)).map(([k]) => k);
  const from = vars.length ? ` (from the environment variable ${vars.join(', ')})` : '';
  const example = vars[0] ?? 'PW';
  throw new ConfigError(
    `${file}${line ? ` line ${line}` : ''}: the user name or password in ${at.join('.')}${from} ${problem}, so the URL cannot be read as written (its value is not shown).`,
    `Percent-encode those characters in the value: @ as %40, # as %23, / as %2F, ? as %3F, % as %25, a space as %20 (":" may stay in the password); for example \`node -p "encodeURIComponent(process.argv[1])" "$${example}"\` prints the encoded form of $${example}.`,
  );
}

/**
 * A URL must start with a scheme (`sqlite:`, `postgres://`...): a bare path is the usual slip. Which
 * schemes exist is the adapter registry's business; it names an unknown one when the connection opens.
 */
function requireScheme(
  url: string,
  at: string[],
  file: string,
  lineOf: (p: readonly PropertyKey[]) => number | undefined,
): void {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return;
  const line = lineOf(at);
  throw new ConfigError(
    `${file}${line ? ` line ${line}` : ''}: ${at.join('.')} is ${JSON.stringify(redactUrl(url))}, which has no scheme.`,
    missingSchemeHint(url),
  );
}

/**
 * The control store is written on every run (its runs, exception queue, causes): it may not be the
 * database of a readOnly connection, which cutover only ever reads.
 */
function requireControlOfItsOwn(
  controlUrl: string,
  connections: Record<string, ConnectionConfig>,
  file: string,
  line: number | undefined,
): void {
  const control = { url: controlUrl, password: urlPassword(controlUrl) };
  const same = Object.values(connections).filter(
    (c) => c.readOnly && sameDatabase(control, { url: c.url, password: urlPassword(c.url) }),
  );
  if (!same.length) return;
  const names = same.map((c) => `connections.${c.name}`).join(' and ');
  throw new ConfigError(
    `${file}${line ? ` line ${line}` : ''}: control.url names the same database as ${names}, which is readOnly: cutover would write its runs, exception queue and causes into it.`,
    'Give the control store a database of its own, or leave control: out (the store is then a SQLite file in .cutover/ beside cutover.yaml).',
  );
}

export { resolveUrl };

/** Finds, reads, interpolates and validates cutover.yaml. */
export async function loadConfig(
  configPath?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedConfig> {
  const file = path.resolve(configPath ?? 'cutover.yaml');
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new ConfigError(
        `No configuration file at ${file}.`,
        configPath
          ? 'Check the path given to --config.'
          : 'Run cutover in the folder that holds cutover.yaml, name it with --config, or run `cutover demo` to create an example.',
      );
    throw new ConfigError(`Cannot read ${file}: ${(err as Error).message}.`, 'Check the file permissions.');
  }
  const seen = new Map<string, string>();
  const doc = parseYamlDocument(decodeYamlText(bytes, file), file, ConfigError, (value, where) =>
    interpolate(value, file, env, where, seen),
  );
  const raw = doc.value;
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success)
    throw new ConfigError(
      formatZodError(parsed.error, file, raw, (p) => knownKeysAt(configSchema, p), doc.lineOf),
    );
  const dir = path.dirname(file);
  const cfg = parsed.data;
  const connections: Record<string, ConnectionConfig> = {};
  for (const [name, spec] of Object.entries(cfg.connections)) {
    registerConnectionSecrets(spec.url, spec.headers);
    requireScheme(spec.url, ['connections', name, 'url'], file, doc.lineOf);
    requireReadableUserInfo(spec.url, ['connections', name, 'url'], file, doc.lineOf, seen);
    if (spec.encoding && !/^csv:/i.test(spec.url))
      throw new ConfigError(
        `${file}: connections.${name}.encoding is set, but ${name} is not a CSV folder (csv:).`,
        "Remove it: the encoding of a database is the server's business.",
      );
    connections[name] = { ...spec, name, url: resolveUrl(spec.url, dir) };
  }
  if (cfg.control?.url) {
    registerConnectionSecrets(cfg.control.url);
    requireScheme(cfg.control.url, ['control', 'url'], file, doc.lineOf);
    requireReadableUserInfo(cfg.control.url, ['control', 'url'], file, doc.lineOf, seen);
  }
  const controlUrl = resolveUrl(cfg.control?.url ?? 'sqlite:.cutover/control.db', dir);
  requireControlOfItsOwn(controlUrl, connections, file, doc.lineOf(['control', 'url']));
  return {
    file,
    dir,
    connections,
    controlUrl,
    mappingsDir: path.resolve(dir, cfg.mappings ?? 'mappings'),
    reportsDir: path.resolve(dir, cfg.reports ?? 'reports'),
    xlsxDetailRowCap: cfg.report?.xlsxDetailRowCap,
    reportFormats: [
      ...new Set((cfg.report?.formats as ReportFormat[] | undefined) ?? DEFAULT_REPORT_FORMATS),
    ],
    ...(cfg.exceptions?.sla
      ? {
          exceptionSla: Object.fromEntries(
            Object.entries(cfg.exceptions.sla).map(([sev, age]) => [sev, ageMs(String(age))!]),
          ),
        }
      : {}),
    ...(cfg.signoff ? { signoff: cfg.signoff } : {}),
    ...(cfg.reconcile?.confirm ? { confirmAfter: String(cfg.reconcile.confirm.after) } : {}),
  };
}

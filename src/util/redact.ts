/**
 * Credentials never reach a log, a report or an error message: URLs are shown with `***` for their
 * password, and any known secret value is masked wherever it appears in free text.
 */

// The password runs to the LAST "@" before the host: users paste unencoded passwords holding "@".
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s"']*:)([^/\s"']+)(@)/gi;
const KV_SECRET =
  /\b(\w*password|pwd|passwd|secret|token|apikey|api_key|access_token|client_secret)=([^;&\s"']+)/gi;
const JSON_SECRET =
  /("(?:password|pwd|passwd|secret|token|apikey|api_key|authorization|access_token|client_secret)"\s*:\s*")((?:[^"\\]|\\.)*)(")/gi;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;

const registered = new Set<string>();
/** Every form a registered secret can take in text, longest first (see maskRegistered). */
let forms: string[] = [];

/** Forgets every registered secret (tests). */
export function clearSecrets(): void {
  registered.clear();
  forms = [];
}

/**
 * Registers a secret value (a password, a token) to be masked in every later redaction: as written,
 * URL-encoded, JSON-escaped, and each piece of 4+ characters between URL delimiters, since a driver
 * that misreads a URL echoes such pieces as a host or a database (lower-cased, as host names are).
 */
export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < 3 || registered.has(value)) return;
  registered.add(value);
  const all = new Set(forms);
  const add = (f: string) => {
    if (f.length >= 3) all.add(f);
  };
  add(value);
  add(encodeURIComponent(value));
  add(JSON.stringify(value).slice(1, -1));
  add(JSON.stringify(JSON.stringify(value).slice(1, -1)).slice(1, -1));
  for (const piece of value.split(/[@#/?:&=%\s"'\\]+/)) {
    if (piece.length < 4 || piece === value) continue;
    add(piece);
    add(piece.toLowerCase());
  }
  forms = [...all].sort((a, b) => b.length - a.length);
}

/** Whether any secret has been registered (tests and checks). */
export function hasSecrets(): boolean {
  return registered.size > 0;
}

/**
 * Where the password of a connection URL sits, as written, or undefined. Users paste passwords
 * unencoded, with `/`, `@`, `'` or spaces in them: the user info runs to the LAST `@` before the
 * query string or fragment.
 */
function passwordSpan(url: string): { start: number; end: number } | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  if (!m) return undefined;
  const rest = url.slice(m[0].length);
  // A URL the WHATWG parser reads with no user info (https://h:443/users/@me) has no password; one
  // it cannot parse, or reads with a password, is cut by hand: the raw text is what must be masked.
  try {
    const u = new URL(url);
    if (!u.username && !u.password && !/^[^/?#]*@/.test(rest)) return undefined;
  } catch {
    // unencoded characters: read by hand below
  }
  const stop = rest.search(/[?#]/);
  let at = rest.lastIndexOf('@', stop < 0 ? rest.length : stop);
  // "user:pa#ss@host" or "user:pa?ss@host": the "#" or "?" is the password's, not a fragment's or a
  // query's, when what precedes it reads as user and password rather than host and port.
  const head = rest.slice(0, rest.search(/[/?#]|$/));
  if (!head.includes('@') && /^[^:]*:(?!\d*$)/.test(head)) at = Math.max(at, rest.lastIndexOf('@'));
  // "user:P@ss?w0rd@host" or "user:Adm1n@2024#@host": the "@" before the "?" or "#" is the
  // password's too when a later "@" follows and the text between the "?" or "#" and it holds no "="
  // or "&" (a query's pairs would): the user info runs to that "@", and a host follows it.
  if (stop >= 0 && at >= 0 && at < stop) {
    const last = rest.lastIndexOf('@');
    if (
      last > stop &&
      !/[=&]/.test(rest.slice(stop, last)) &&
      /^[^/?#\s]*(?:[/?#]|$)/.test(rest.slice(last + 1))
    )
      at = last;
  }
  if (at < 0) return undefined;
  const colon = rest.slice(0, at).indexOf(':');
  if (colon < 0 || colon === at - 1) return undefined;
  return { start: m[0].length + colon + 1, end: m[0].length + at };
}

/** The password of a connection URL as written, or undefined. */
export function urlPassword(url: string): string | undefined {
  const span = passwordSpan(url);
  return span && url.slice(span.start, span.end);
}

/** `${VAR}` in a URL is a placeholder in a hint, not a secret: it stays readable. */
const isPlaceholder = (text: string) => /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(text);

/** Returns a URL with its password replaced by `***` (and any registered secret masked). */
export function redactUrl(url: string): string {
  const span = passwordSpan(url);
  const out =
    span && !isPlaceholder(url.slice(span.start, span.end))
      ? `${url.slice(0, span.start)}***${url.slice(span.end)}`
      : url;
  return maskRegistered(maskRegistered(out).replace(URL_PASSWORD, maskPassword));
}

/**
 * What is wrong with a URL's user info as written, or undefined: a `/`, `?` or `#` in it ends the
 * user info for every URL parser, so a driver would read the rest of the password as a host, path or
 * query (and echo it in its errors); a `%` must start a `%XX` escape; spaces are not allowed.
 */
export function userInfoProblem(url: string): string | undefined {
  const span = passwordSpan(url);
  if (!span) return undefined;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)![0].length;
  const info = url.slice(scheme, span.end);
  if (/[/?#]/.test(info)) return 'holds a "/", "?" or "#", which ends that part of a URL';
  if (/\s/.test(info)) return 'holds a space';
  if (/%(?![0-9a-f]{2})/i.test(info)) return 'holds a "%" that does not start a %XX escape';
  return undefined;
}

function maskPassword(_m: string, head: string, password: string, at: string): string {
  return isPlaceholder(password) ? `${head}${password}${at}` : `${head}***${at}`;
}

/** Masks URL passwords, key=value secrets, bearer tokens and every registered secret in free text. */
export function redact(text: string): string {
  const out = maskRegistered(text)
    .replace(URL_PASSWORD, maskPassword)
    .replace(KV_SECRET, '$1=***')
    .replace(JSON_SECRET, '$1***$3')
    .replace(BEARER, '$1 ***');
  return maskRegistered(out);
}

function maskRegistered(text: string): string {
  let out = text;
  for (const form of forms) if (out.includes(form)) out = out.split(form).join('***');
  return out;
}

/**
 * A value with every registered secret masked in each of its strings, before it is serialized (`--json`, a report, the control
 * store): masking the value itself also catches the JSON-escaped text a secret would become.
 */
export function redactDeep<T>(value: T): T {
  if (!hasSecrets()) return value;
  return walk(value) as T;
}

function walk(v: unknown): unknown {
  if (typeof v === 'string') return maskRegistered(v);
  if (Array.isArray(v)) return v.map(walk);
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = walk(x);
    return out;
  }
  return v;
}

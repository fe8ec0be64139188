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

/** Forgets every registered secret (tests). */
export function clearSecrets(): void {
  registered.clear();
}

/** Registers a secret value (a password, a token) to be masked in every later redaction. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 3) registered.add(value);
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
  const at = rest.lastIndexOf('@', stop < 0 ? rest.length : stop);
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
  return maskRegistered(out.replace(URL_PASSWORD, maskPassword));
}

function maskPassword(_m: string, head: string, password: string, at: string): string {
  return isPlaceholder(password) ? `${head}${password}${at}` : `${head}***${at}`;
}

/** Masks URL passwords, key=value secrets, bearer tokens and every registered secret in free text. */
export function redact(text: string): string {
  const out = text
    .replace(URL_PASSWORD, maskPassword)
    .replace(KV_SECRET, '$1=***')
    .replace(JSON_SECRET, '$1***$3')
    .replace(BEARER, '$1 ***');
  return maskRegistered(out);
}

function maskRegistered(text: string): string {
  let out = text;
  for (const secret of registered) {
    if (out.includes(secret)) out = out.split(secret).join('***');
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret && out.includes(encoded)) out = out.split(encoded).join('***');
  }
  return out;
}

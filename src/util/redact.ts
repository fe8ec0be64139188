/**
 * Credentials never reach a log, a report or an error message: URLs are shown with `***` for their
 * password, and any known secret value is masked wherever it appears in free text.
 */

const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@/\s]+)(@)/gi;
const KV_SECRET = /\b(password|pwd|passwd|secret|token|apikey|api_key)=([^;&\s]+)/gi;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;

const registered = new Set<string>();

/** Registers a secret value (a password, a token) to be masked in every later redaction. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 3) registered.add(value);
}

/** Returns a URL with its password replaced by `***`. */
export function redactUrl(url: string): string {
  return url.replace(URL_PASSWORD, '$1***$3');
}

/** Masks URL passwords, key=value secrets, bearer tokens and every registered secret in free text. */
export function redact(text: string): string {
  let out = text.replace(URL_PASSWORD, '$1***$3').replace(KV_SECRET, '$1=***').replace(BEARER, '$1 ***');
  for (const secret of registered) {
    if (out.includes(secret)) out = out.split(secret).join('***');
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret && out.includes(encoded)) out = out.split(encoded).join('***');
  }
  return out;
}

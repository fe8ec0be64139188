import { isTransientDbError } from '../adapters/db-errors.js';

/** An error that retrying cannot fix: the event goes to the exception queue at once. */
export class PermanentError extends Error {
  override name = 'PermanentError';
}

/** An HTTP response that was not a success; its status decides whether it is retried. */
export class HttpStatusError extends Error {
  override name = 'HttpStatusError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

// Network and HTTP client failures; what a database's own errors mean is src/adapters' business
// (isTransientDbError: deadlocks, serialization failures, locks, and key collisions from a race).
const NODE_TRANSIENT =
  /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|UND_ERR_SOCKET|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT|ESOCKET|ETIMEOUT)$/;
const MESSAGE_TRANSIENT =
  /socket hang up|other side closed|connection terminated|fetch failed|aborted due to timeout|The operation was aborted/i;

/** Is this failure worth retrying (a lost connection, a lock, a busy server), or permanent? */
export function isTransient(err: unknown): boolean {
  if (err instanceof PermanentError) return false;
  if (err instanceof HttpStatusError) return [408, 425, 429, 502, 503, 504].includes(err.status);
  if (isTransientDbError(err)) return true;
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const x = e as { code?: unknown; name?: string; message?: string };
    const code = typeof x.code === 'string' ? x.code : '';
    if (NODE_TRANSIENT.test(code)) return true;
    if (x.name === 'TimeoutError' || x.name === 'KnexTimeoutError' || x.name === 'AbortError') return true;
    if (MESSAGE_TRANSIENT.test(x.message ?? '')) return true;
  }
  return false;
}

/** Exponential backoff with full jitter: a random delay in [0, min(cap, base * 2^attempt)). */
export function backoffMs(attempt: number, baseMs = 50, capMs = 5_000): number {
  return Math.floor(Math.random() * Math.min(capMs, baseMs * 2 ** attempt));
}

/** Runs fn, retrying transient failures up to `attempts` tries in all; the last error is rethrown. */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  opts: { attempts: number; baseMs?: number; onRetry?: (err: unknown, attempt: number) => void },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= opts.attempts || !isTransient(err)) throw err;
      opts.onRetry?.(err, attempt);
      await new Promise((r) => setTimeout(r, backoffMs(attempt, opts.baseMs)));
    }
  }
}

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

// 40P01 deadlock, 40001 serialization, 55P03 lock timeout, 57014 statement timeout, 08xxx connection,
// 57P01-03 server shutting down, 53300 too many connections; 23505 on the ledger's key means another
// process applied the same event at the same moment: a retry finds it in the ledger.
const PG_TRANSIENT = /^(40P01|40001|55P03|57014|08\d\d\d|57P0[123]|53300)$/;
const NODE_TRANSIENT =
  /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|UND_ERR_SOCKET|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT|SQLITE_BUSY|SQLITE_LOCKED|ESOCKET|ETIMEOUT)$/;
const MESSAGE_TRANSIENT =
  /socket hang up|other side closed|connection terminated|timeout acquiring a connection|Connection terminated unexpectedly|fetch failed|database is locked|aborted due to timeout|The operation was aborted/i;

/** Is this failure worth retrying (a lost connection, a lock, a busy server), or permanent? */
export function isTransient(err: unknown): boolean {
  if (err instanceof PermanentError) return false;
  if (err instanceof HttpStatusError) return [408, 425, 429, 502, 503, 504].includes(err.status);
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const x = e as { code?: unknown; name?: string; message?: string; constraint?: string };
    const code = typeof x.code === 'string' ? x.code : '';
    if (PG_TRANSIENT.test(code) || NODE_TRANSIENT.test(code)) return true;
    if (code === '23505' && /cutover_replay_ledger/.test(`${x.constraint ?? ''} ${x.message ?? ''}`))
      return true;
    if (/UNIQUE constraint failed: cutover_replay_ledger/.test(x.message ?? '')) return true;
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

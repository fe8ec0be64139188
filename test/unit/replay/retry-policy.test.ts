import { describe, it, expect } from 'vitest';
import {
  isTransient,
  backoffMs,
  withRetry,
  PermanentError,
  HttpStatusError,
} from '../../../src/replay/retry-policy.js';

const pgErr = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('retry policy', () => {
  it('retries locks, lost connections, busy servers; not data errors', () => {
    for (const code of ['40P01', '40001', '55P03', '08006', 'ECONNRESET', 'SQLITE_BUSY', 'ETIMEDOUT'])
      expect(isTransient(pgErr(code)), code).toBe(true);
    for (const s of [429, 502, 503, 504]) expect(isTransient(new HttpStatusError(s, 'x'))).toBe(true);
    expect(isTransient(new HttpStatusError(422, 'x'))).toBe(false);
    expect(isTransient(new HttpStatusError(500, 'x'))).toBe(false);
    expect(isTransient(pgErr('23505', 'duplicate key value violates unique constraint "refunds_pkey"'))).toBe(
      false,
    );
    expect(
      isTransient(
        pgErr('23505', 'duplicate key value violates unique constraint "cutover_replay_ledger_pkey"'),
      ),
    ).toBe(true);
    expect(isTransient(pgErr('22P02'))).toBe(false);
    expect(isTransient(new PermanentError('no row'))).toBe(false);
    expect(isTransient(new TypeError('fetch failed', { cause: pgErr('UND_ERR_SOCKET') }))).toBe(true);
  });
  it('backs off exponentially with full jitter, capped', () => {
    for (let a = 1; a < 12; a++) {
      const d = backoffMs(a, 50, 5000);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(Math.min(5000, 50 * 2 ** a));
    }
  });
  it('stops after the configured attempts, and at once on a permanent error', async () => {
    let n = 0;
    await expect(
      withRetry(
        async () => {
          n++;
          throw pgErr('40001');
        },
        { attempts: 3, baseMs: 1 },
      ),
    ).rejects.toThrow();
    expect(n).toBe(3);
    n = 0;
    await expect(
      withRetry(
        async () => {
          n++;
          throw new PermanentError('bad');
        },
        { attempts: 5, baseMs: 1 },
      ),
    ).rejects.toThrow('bad');
    expect(n).toBe(1);
    n = 0;
    expect(
      await withRetry(async () => (++n < 2 ? Promise.reject(pgErr('ECONNRESET')) : 'ok'), {
        attempts: 5,
        baseMs: 1,
      }),
    ).toBe('ok');
  });
});

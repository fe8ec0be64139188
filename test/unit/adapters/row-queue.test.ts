import { describe, expect, it } from 'vitest';
import { RowQueue } from '../../../src/adapters/mssql/row-queue.js';

/** A source that emits rows asynchronously, as a socket does, and honours pause/resume. */
function source(total: number, failAt?: number) {
  const s = {
    paused: false,
    pauses: 0,
    emitted: 0,
    maxWaiting: 0,
    queue: undefined as RowQueue<number> | undefined,
    pause() {
      s.paused = true;
      s.pauses++;
    },
    resume() {
      s.paused = false;
      setImmediate(pump);
    },
  };
  const pump = () => {
    // Like tedious, a few rows already parsed may still arrive after pause().
    for (let burst = 0; burst < 50 && s.emitted < total; burst++) {
      if (s.paused && burst > 3) return;
      if (failAt !== undefined && s.emitted === failAt) return s.queue!.finish(new Error('boom'));
      s.queue!.push(s.emitted++);
      s.maxWaiting = Math.max(s.maxWaiting, s.queue!.length);
    }
    if (s.emitted >= total) s.queue!.finish();
    else if (!s.paused) setImmediate(pump);
  };
  return { s, start: () => setImmediate(pump) };
}

describe('RowQueue (SQL Server read flow control)', () => {
  it('delivers every row in order while a slow consumer keeps the waiting rows bounded', async () => {
    const { s, start } = source(20_000);
    const q = new RowQueue<number>(s, 500);
    s.queue = q;
    start();
    const got: number[] = [];
    for await (const batch of q.batches()) {
      expect(batch.length).toBeLessThanOrEqual(500);
      got.push(...batch);
      await new Promise((r) => setTimeout(r, 1)); // a slow consumer
    }
    expect(got).toEqual(Array.from({ length: 20_000 }, (_, i) => i));
    expect(s.pauses).toBeGreaterThan(5);
    expect(s.maxWaiting).toBeLessThan(500 * 1.5 + 60);
  });

  it('throws the source failure', async () => {
    const { s, start } = source(10_000, 1234);
    const q = new RowQueue<number>(s, 100);
    s.queue = q;
    start();
    await expect(
      (async () => {
        for await (const _ of q.batches()) void _;
      })(),
    ).rejects.toThrow('boom');
  });
});

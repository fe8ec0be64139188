import { PassThrough } from 'node:stream';
import { describe, it, expect } from 'vitest';
import { readAhead } from '../../../src/reconcilers/read-side.js';
import { createProgress } from '../../../src/reconcilers/progress.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('readAhead', () => {
  it('starts reading at once and keeps a bounded number of items ready', async () => {
    let produced = 0;
    async function* source() {
      for (let i = 0; i < 10; i++) {
        produced++;
        yield i;
      }
    }
    const it = readAhead(source(), 3);
    await tick();
    // Nothing pulled yet, but the source is already running, up to the depth.
    expect(produced).toBeGreaterThanOrEqual(3);
    expect(produced).toBeLessThanOrEqual(4);
    const got: number[] = [];
    for await (const v of it) got.push(v);
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('hands a failure of the source to the consumer', async () => {
    async function* source() {
      yield 1;
      throw new Error('connection lost');
    }
    const it = readAhead(source());
    await expect(it.next()).resolves.toEqual({ done: false, value: 1 });
    await expect(it.next()).rejects.toThrow('connection lost');
  });

  it('stops the source when the consumer stops', async () => {
    let closed = false;
    async function* source() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    const it = readAhead(source(), 2);
    await it.next();
    await it.stop();
    expect(closed).toBe(true);
    await expect(it.next()).resolves.toMatchObject({ done: true });
  });
});

describe('progress line', () => {
  it('redraws one line with rows per side and the rate, then clears it', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += d));
    let t = 0;
    const p = createProgress({
      enabled: true,
      stream: out as unknown as NodeJS.WriteStream,
      now: () => t,
      intervalMs: 100,
    });
    p.start('inventory');
    t = 1000;
    p.rows('legacy', 1500);
    t = 1050;
    p.rows('cloud', 500); // within the interval: not redrawn
    t = 2000;
    p.rows('cloud', 1500);
    p.done();
    expect(text).toContain('\r\x1b[2Kinventory: legacy 1,500 rows, cloud 0 rows, 1,500 rows/s');
    expect(text).toContain('inventory: legacy 1,500 rows, cloud 2,000 rows, 1,750 rows/s');
    expect(text.match(/rows\/s/g)).toHaveLength(2);
    expect(text.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('writes nothing off a TTY', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += d));
    const p = createProgress({ stream: out as unknown as NodeJS.WriteStream });
    p.start('x');
    p.rows('legacy', 10);
    p.done();
    expect(text).toBe('');
  });
});

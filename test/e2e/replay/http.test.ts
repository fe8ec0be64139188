import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { makeProject, writeEvents, at, type Ev } from './fixture.js';

const MAPPING = `name: events
target: api
events:
  return.authorized:
    request: { method: POST, path: "/returns/{$.payload.rma}", body: $.payload, headers: { X-Event-Type: $.type } }
  return.received:
    request: { method: PUT, path: "/returns/{$.payload.rma}/receipt", body: { qty: $.payload.qty, at: $.occurredAt } }
`;

/**
 * A flaky API: the first try of some events gets a 503, a slow answer (beyond the client's timeout)
 * or a dropped connection — sometimes AFTER the effect was recorded, so only the Idempotency-Key
 * keeps the retry from doubling it. RMA-POISON is refused with 422.
 */
function flakyServer() {
  const effects = new Map<string, { path: string; body: unknown }>();
  const order: { key: string; id: string }[] = [];
  const tries = new Map<string, number>();
  let missingKey = 0;
  let authBad = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const id = req.headers['idempotency-key'] as string | undefined;
      if (req.method === 'HEAD') return res.end();
      if (!id) {
        missingKey++;
        res.statusCode = 400;
        return res.end('no key');
      }
      if (req.headers.authorization !== 'Bearer s3cret-token') authBad++;
      const n = (tries.get(id) ?? 0) + 1;
      tries.set(id, n);
      const parsed = JSON.parse(body || 'null') as { rma?: string };
      if (req.url?.includes('RMA-POISON')) {
        res.statusCode = 422;
        return res.end('{"error":"unknown RMA"}');
      }
      const seed = Number(id.replace(/\D/g, '')) % 5;
      const record = () => {
        if (!effects.has(id)) {
          effects.set(id, { path: req.url!, body: parsed });
          order.push({ key: String(req.url!.split('/')[3]), id });
        }
      };
      if (n === 1 && seed === 1) {
        res.statusCode = 503;
        return res.end('busy');
      }
      if (n === 1 && seed === 2) return req.socket.destroy();
      if (n === 1 && seed === 3) {
        record(); // processed, then the answer is lost
        return req.socket.destroy();
      }
      if (n === 1 && seed === 4) {
        setTimeout(() => {
          record();
          res.statusCode = 201;
          res.end('{}');
        }, 1500);
        return;
      }
      record();
      res.statusCode = 201;
      res.end('{"ok":true}');
    });
  });
  return { server, effects, order, tries, stats: () => ({ missingKey, authBad }) };
}

describe('cutover replay to an HTTP target', () => {
  const api = flakyServer();
  let dir: string;
  const events: Ev[] = [];
  beforeAll(async () => {
    await new Promise<void>((r) => api.server.listen(0, '127.0.0.1', r));
    const port = (api.server.address() as AddressInfo).port;
    dir = makeProject(
      { api: `{ url: "http://127.0.0.1:${port}/api", headers: { Authorization: "Bearer \${API_TOKEN}" } }` },
      MAPPING,
    );
    for (let r = 0; r < 30; r++) {
      const rma = `RMA-${r}`;
      events.push({
        id: `h${r * 10 + 1}`,
        type: 'return.received',
        key: rma,
        occurredAt: at(r + 100),
        payload: { rma, qty: '2' },
      });
      events.push({
        id: `h${r * 10}`,
        type: 'return.authorized',
        key: rma,
        occurredAt: at(r),
        payload: { rma, qty: '2' },
      });
    }
    events.push({
      id: 'hp1',
      type: 'return.authorized',
      key: 'RMA-POISON',
      occurredAt: at(1),
      payload: { rma: 'RMA-POISON' },
    });
    events.push({
      id: 'hp2',
      type: 'return.received',
      key: 'RMA-POISON',
      occurredAt: at(2),
      payload: { rma: 'RMA-POISON', qty: '1' },
    });
    writeEvents(dir, events);
  });
  afterAll(() => new Promise<void>((r) => api.server.close(() => r())));

  it('retries 503s, timeouts and dropped connections without doubling, keeps order, parks the poison key', async () => {
    const res = await runCli(
      ['replay', '--events', 'events.jsonl', '--json', '--concurrency', '16', '--timeout', '700'],
      {
        cwd: dir,
        env: { API_TOKEN: 's3cret-token' },
      },
    );
    expect(res.stderr).not.toMatch(/fault/);
    expect(res.stdout + res.stderr).not.toContain('s3cret-token');
    expect(res.code).toBe(1);
    const out = res.json<{ counts: Record<string, number>; exceptions: { opened: number } }>();
    expect(out.counts).toEqual({ read: 62, applied: 60, alreadyApplied: 0, failed: 1, parked: 1 });
    expect(out.exceptions.opened).toBe(2);
    expect(api.stats()).toEqual({ missingKey: 0, authBad: 0 });
    expect(api.effects.size).toBe(60);
    expect([...api.tries.values()].some((n) => n > 1)).toBe(true);
    for (let r = 0; r < 30; r++) {
      const mine = api.order.filter((o) => o.key === `RMA-${r}`).map((o) => o.id);
      expect(mine).toEqual([`h${r * 10}`, `h${r * 10 + 1}`]);
    }
    expect(api.effects.get('h11')).toEqual({
      path: '/api/returns/RMA-1/receipt',
      body: { qty: '2', at: at(101) },
    });

    const again = await runCli(['replay', '--events', 'events.jsonl', '--json'], {
      cwd: dir,
      env: { API_TOKEN: 's3cret-token' },
    });
    expect(again.json<{ counts: Record<string, number> }>().counts).toMatchObject({
      applied: 0,
      alreadyApplied: 60,
      failed: 1,
      parked: 1,
    });
  }, 180_000);
});

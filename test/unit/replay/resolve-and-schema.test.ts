import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, it, expect } from 'vitest';
import { resolveColumns, fillTemplate, resolveValue } from '../../../src/replay/resolve.js';
import { loadEventsMapping } from '../../../src/config/events-schema.js';
import { readJsonLines, isoFromSql } from '../../../src/replay/sources.js';
import { validateEvent } from '../../../src/replay/event.js';
import { MappingError } from '../../../src/errors.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-replay-schema-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const event = {
  id: 'e1',
  type: 't',
  key: 'k',
  occurredAt: '2026-11-25T10:00:00Z',
  payload: { sku: 'A/1', n: 2, nested: { a: 1 } },
  line: 1,
  index: 0,
};

describe('mapping values', () => {
  it('reads $. paths, keeps literals, encodes objects as JSON for a column', () => {
    expect(
      resolveColumns(event, {
        sku: '$.payload.sku',
        status: 'refunded',
        at: '$.occurredAt',
        raw: '$.payload.nested',
        flag: true,
      }),
    ).toEqual({
      sku: 'A/1',
      status: 'refunded',
      at: '2026-11-25T10:00:00Z',
      raw: '{"a":1}',
      flag: true,
    });
    expect(resolveValue(event, '$.payload')).toEqual(event.payload);
    expect(() => resolveValue(event, '$.payload.missing')).toThrow(
      /\$\.payload\.missing is not in the event/,
    );
  });
  it('fills URL-encoded placeholders in HTTP paths', () => {
    expect(fillTemplate(event, '/items/{$.payload.sku}/moves/{$.id}')).toBe('/items/A%2F1/moves/e1');
  });
});

describe('events mapping schema', () => {
  const write = (text: string) => {
    const f = path.join(fs.mkdtempSync(path.join(tmp, 'evmap-')), 'events.yaml');
    fs.writeFileSync(f, text);
    return f;
  };
  it('accepts the SPEC example', async () => {
    const m = await loadEventsMapping(
      write(`name: events
target: cloud
events:
  inventory.adjusted: { table: inventory_balance, action: increment, match: { sku: $.payload.sku }, values: { qty_on_hand: $.payload.delta } }
  refund.issued: { table: refunds, action: upsert, match: { refund_id: $.payload.refundId }, values: { amount: $.payload.amount, status: refunded }, irreversible: true }
  return.authorized: { request: { method: POST, path: /returns, body: $.payload } }
`),
    );
    expect(Object.keys(m.events)).toHaveLength(3);
    expect(m.events['return.authorized']!.request!.method).toBe('POST');
  });
  it('rejects an increment without values, and a rule with both table and request, naming the file', async () => {
    const f = write(`events:\n  x: { table: t, action: increment, match: { a: $.payload.a } }\n`);
    await expect(loadEventsMapping(f)).rejects.toThrow(MappingError);
    await expect(loadEventsMapping(f)).rejects.toThrow(
      new RegExp(`${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}.*values`),
    );
    await expect(
      loadEventsMapping(write(`events:\n  x: { table: t, action: insert, request: { path: /x } }\n`)),
    ).rejects.toThrow(/either `request` or `table`/);
  });
});

describe('sources', () => {
  it('streams .jsonl.gz with line numbers, skipping blank lines', async () => {
    const f = path.join(fs.mkdtempSync(path.join(tmp, 'src-')), 'e.jsonl.gz');
    fs.writeFileSync(f, zlib.gzipSync('{"a":1}\n\n{"b":2}\n'));
    const got = [];
    for await (const r of readJsonLines(f)) got.push(r);
    expect(got).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 3, text: '{"b":2}' },
    ]);
  });
  it('rejects, as the loop reading it, a .jsonl.gz that cannot be read (no unhandled stream error)', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'src-'));
    fs.mkdirSync(path.join(dir, 'folder.jsonl.gz'));
    const drain = async (f: string) => {
      for await (const r of readJsonLines(f)) void r;
    };
    for (const [name, code] of [
      ['gone.jsonl.gz', 'ENOENT'],
      ['folder.jsonl.gz', 'EISDIR'],
    ])
      await expect(drain(path.join(dir, name!))).rejects.toMatchObject({
        name: 'DataError',
        message: expect.stringContaining(`Cannot read the events file ${path.join(dir, name!)}`),
        cause: { code },
      });
  });
  it('turns a database timestamp into ISO 8601', () => {
    expect(isoFromSql('2026-11-25 22:00:00.5+00')).toBe('2026-11-25T22:00:00.5+00:00');
    expect(
      validateEvent(
        { id: 1, type: 't', key: 'k', occurredAt: isoFromSql('2026-11-25 22:00:00+01'), payload: {} },
        { line: 1, index: 0 },
        new Set(['t']),
      ).ok,
    ).toBe(true);
  });
});

import { describe, it, expect } from 'vitest';
import { indexEvents } from '../../../src/replay/ordering.js';
import type { SourceRecord } from '../../../src/replay/sources.js';

async function* lines(texts: string[]): AsyncIterable<SourceRecord> {
  let n = 0;
  for (const text of texts) yield { line: ++n, text };
}
const ev = (id: string, key: string, at: string, type = 't') =>
  JSON.stringify({ id, type, key, occurredAt: at, payload: {} });

describe('indexEvents', () => {
  it('orders each key by occurredAt then source order, and numbers events globally the same way', async () => {
    const ix = await indexEvents(
      lines([
        ev('a2', 'A', '2026-11-25T10:00:02Z'),
        ev('b1', 'B', '2026-11-25T10:00:01Z'),
        ev('a1', 'A', '2026-11-25T10:00:01+00:00'),
        ev('a3', 'A', '2026-11-25T10:00:02Z'),
      ]),
      new Set(['t']),
    );
    expect(ix.chains.get('A')!.map((i) => ix.id[i])).toEqual(['a1', 'a2', 'a3']);
    expect(
      ix.id
        .map((_, i) => i)
        .sort((x, y) => ix.seq[x]! - ix.seq[y]!)
        .map((i) => ix.id[i]),
    ).toEqual(['b1', 'a1', 'a2', 'a3']);
  });

  it('keeps malformed records with their line number; a keyed one sits first in its chain and parks it', async () => {
    const ix = await indexEvents(
      lines([
        ev('a1', 'A', '2026-11-25T10:00:01Z'),
        '{not json',
        JSON.stringify({ id: 'x', type: 't', key: 'A', occurredAt: 'yesterday', payload: {} }),
        ev('u1', 'B', '2026-11-25T10:00:01Z', 'unknown.type'),
        JSON.stringify({ id: 'p', type: 't', key: 'C', occurredAt: '2026-11-25T10:00:01Z', payload: [1] }),
      ]),
      new Set(['t']),
    );
    expect(ix.read).toBe(5);
    expect(ix.loose.map((i) => [ix.line[i], ix.problem[i]])).toEqual([
      [2, expect.stringMatching(/not valid JSON/)],
    ]);
    const a = ix.chains.get('A')!;
    expect(ix.id[a[0]!]).toBe('x');
    expect(ix.problem[a[0]!]).toMatch(/occurredAt/);
    expect(ix.problem[ix.chains.get('B')![0]!]).toMatch(/unknown\.type.*not in the events mapping/);
    expect(ix.problem[ix.chains.get('C')![0]!]).toMatch(/payload/);
  });

  it('keeps a line of null as an invalid record, like any other JSON value that is not an object', async () => {
    const ix = await indexEvents(lines(['null', '5', 'true', '"str"', '[1,2]']), new Set(['t']));
    expect(ix.read).toBe(5);
    expect(ix.line).toEqual([1, 2, 3, 4, 5]);
    for (const p of ix.problem) expect(p).toMatch(/not a JSON object/);
  });

  it('counts an identical repeat as a duplicate and a conflicting repeat as a problem', async () => {
    const one = ev('a1', 'A', '2026-11-25T10:00:01Z');
    const ix = await indexEvents(lines([one, one, ev('a1', 'A', '2026-11-25T10:00:09Z')]), new Set(['t']));
    expect(ix.duplicates).toBe(1);
    expect(ix.problem[1]).toMatch(/used again with different content \(first at line 1\)/);
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { expectBadInput, itemsMapping, makeProject, sqliteDb } from '../config/project.js';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

// Issue 12 item 5: a legacy extract in Latin-1, Windows-1252 or UTF-16 is read exactly when its
// encoding is declared, and refused (file, line, fix) when it is not valid UTF-8: never U+FFFD.

const MAPPING = itemsMapping();

let project: ReturnType<typeof makeProject> | undefined;
afterEach(() => project?.cleanup());

/** A CSV folder holding items.csv (these bytes) against a SQLite cloud side holding `cloudSkus`. */
function projectWith(bytes: Buffer, encoding: string | undefined, cloudSkus: string[]) {
  project = makeProject({
    'cutover.yaml': `connections:\n  legacy: { url: "csv:extracts"${encoding ? `, encoding: ${encoding}` : ''} }\n  cloud: { url: "sqlite:cloud.db" }\n`,
    'mappings/items.yaml': MAPPING,
  });
  fs.mkdirSync(path.join(project.dir, 'extracts'));
  fs.writeFileSync(path.join(project.dir, 'extracts', 'items.csv'), bytes);
  sqliteDb(
    path.join(project.dir, 'cloud.db'),
    `CREATE TABLE items (sku TEXT, qty NUMERIC); ${cloudSkus.map((s, i) => `INSERT INTO items VALUES ('${s}', ${i + 1});`).join(' ')}`,
  );
  return project.dir;
}

const latin1 = Buffer.concat([
  Buffer.from('sku,qty\nA,1\n'),
  Buffer.from([0x4b, 0xe9]), // "Ké" in Latin-1
  Buffer.from(',2\n'),
  Buffer.from([0x4b, 0xe8]), // "Kè"
  Buffer.from(',3\n'),
]);

describe('CSV encodings', () => {
  it('a Latin-1 extract read as UTF-8 is refused with the file, the line and the fix', async () => {
    const dir = projectWith(latin1, undefined, ['A', 'Ké', 'Kè']);
    const r = await runCli(['reconcile', 'items'], { cwd: dir });
    expectBadInput(r, 'Connection "legacy"', 'items.csv line 3', 'not valid utf-8', 'encoding: windows-1252');
    expect(r.stdout + r.stderr).not.toContain('duplicate');
  });

  it.each([
    ['latin1', latin1, ['A', 'Ké', 'Kè']],
    [
      'windows-1252',
      Buffer.concat([
        Buffer.from('sku,qty\nA,1\nK'),
        Buffer.from([0x80]),
        Buffer.from(',2\nK'),
        Buffer.from([0x99]),
        Buffer.from(',3\n'),
      ]),
      ['A', 'K€', 'K™'],
    ],
    [
      'utf-16le',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('sku,qty\nA,1\nKé,2\nK€,3\n', 'utf16le')]),
      ['A', 'Ké', 'K€'],
    ],
  ])('encoding: %s is read exactly (a clean run)', async (encoding, bytes, skus) => {
    const dir = projectWith(bytes as Buffer, encoding as string, skus as string[]);
    const r = await runCli(['reconcile', 'items', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<{ status: string; counts: { legacy: number } }>()).toMatchObject({
      status: 'clean',
      counts: { legacy: 3 },
    });
  });

  it('an encoding on a connection that is not a CSV folder is refused', async () => {
    project = makeProject({
      'cutover.yaml': 'connections:\n  cloud: { url: "sqlite:cloud.db", encoding: latin1 }\n',
    });
    expectBadInput(await runCli(['config', 'check'], { cwd: project.dir }), 'not a CSV folder');
  });
});

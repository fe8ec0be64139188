// cutover.yaml and mapping files are UTF-8: a file saved as Windows-1252 or Latin-1 is refused with
// the file, the line and the column of the first bad byte, never read with U+FFFD in its values.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { listMappingFiles, loadMapping } from '../../../src/config/load-mappings.js';
import { loadEventsMapping } from '../../../src/config/events-schema.js';
import { decodeYamlText } from '../../../src/config/yaml-file.js';
import { ConfigError, MappingError } from '../../../src/errors.js';
import { firstInvalidUtf8, utf8Position } from '../../../src/util/utf8.js';

let dir: string;
let n = 0;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-yamlenc-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A file in a folder of its own holding these bytes (a string is written as UTF-8). */
function write(name: string, ...parts: (string | number[])[]): string {
  const folder = path.join(dir, String(n++));
  fs.mkdirSync(path.join(folder, 'mappings'), { recursive: true });
  const file = path.join(folder, name);
  fs.writeFileSync(
    file,
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p)))),
  );
  return file;
}

const E_ACUTE_1252 = [0xe9]; // "é" in Windows-1252 / Latin-1: not UTF-8
const CONFIG_HEAD = 'connections:\n  legacy: { url: "sqlite:leg';
const CONFIG_TAIL = 'acy.db" }\n  cloud: { url: "sqlite:cloud.db" }\n';

describe('cutover.yaml that is not UTF-8', () => {
  it('is refused naming the file, the line and the column of the first bad byte, and the fix', async () => {
    const file = write('cutover.yaml', CONFIG_HEAD, E_ACUTE_1252, CONFIG_TAIL);
    const err = await loadConfig(file, {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(
      `${file} line 2, column 29 holds a byte that is not valid UTF-8 (0xE9), and cutover reads configuration and mapping files as UTF-8 only.`,
    );
    expect((err as ConfigError).hint).toMatch(/^Save the file as UTF-8/);
  });

  it('is read as before when it is UTF-8, with or without a BOM', async () => {
    for (const bom of ['', '\uFEFF']) {
      const file = write('cutover.yaml', bom, CONFIG_HEAD, 'é', CONFIG_TAIL);
      const c = await loadConfig(file, {});
      expect(c.connections.legacy!.url).toBe(`sqlite:${path.join(path.dirname(file), 'legéacy.db')}`);
    }
  });
});

describe('mapping files that are not UTF-8', () => {
  const MAPPING = `name: m
key: [id]
fields: { id: { type: string } }
legacy: { connection: legacy, table: t, columns: { id: id } }
cloud: { connection: cloud, table: t, columns: { id: "`;

  it('a reconcile mapping is refused as a MappingError naming the file, line and column', async () => {
    const file = write(path.join('mappings', 'm.yaml'), MAPPING, [0x4b], E_ACUTE_1252, '" } }\n');
    const expected = `${file} line 5, column 56 holds a byte that is not valid UTF-8 (0xE9)`;
    await expect(loadMapping(file)).rejects.toThrow(MappingError);
    await expect(loadMapping(file)).rejects.toThrow(expected);
    // Listing the folder reads each file first: the same error, not a replacement character.
    const mappingsDir = path.dirname(file);
    await expect(listMappingFiles({ mappingsDir } as Parameters<typeof listMappingFiles>[0])).rejects.toThrow(
      expected,
    );
  });

  it('an events mapping is refused the same way', async () => {
    const file = write(
      'events.yaml',
      'events:\n  a.b: { table: t, action: insert, values: { x: "',
      [0x96],
      '" } }\n',
    );
    await expect(loadEventsMapping(file)).rejects.toThrow(
      `${file} line 2, column 50 holds a byte that is not valid UTF-8 (0x96)`,
    );
  });

  it('a UTF-8 mapping with a BOM is read', async () => {
    const file = write(path.join('mappings', 'm.yaml'), '\uFEFF', MAPPING, 'Kè" } }\n');
    const m = await loadMapping(file);
    expect(m.cloud.columns.id).toBe('Kè');
  });
});

describe('decodeYamlText', () => {
  const decode = (bytes: number[]) => decodeYamlText(Uint8Array.from(bytes), 'f.yaml');

  it('counts the column in characters, not bytes, and skips a BOM', () => {
    // "a: ü€😀" then a lone continuation byte: column 7 (a, ":", " ", ü, €, 😀: one character each).
    const text = [...Buffer.from('\uFEFFx: 1\na: ü€😀')];
    expect(() => decode([...text, 0x80])).toThrow('f.yaml line 2, column 7 holds a byte');
  });

  it('refuses what is not UTF-8 though each byte looks like a sequence', () => {
    expect(() => decode([0x61, 0xc0, 0xaf])).toThrow('line 1, column 2'); // overlong "/"
    expect(() => decode([0x61, 0xed, 0xa0, 0x80])).toThrow('line 1, column 2'); // a surrogate
    expect(() => decode([0x61, 0xf4, 0x90, 0x80, 0x80])).toThrow('line 1, column 2'); // above U+10FFFF
    expect(() => decode([0x61, 0x0a, 0x62, 0xe2, 0x82])).toThrow('line 2, column 2'); // cut by the end
    expect(() => decode([0xff, 0xfe, 0x61, 0x00])).toThrow(
      'line 1, column 1 holds a byte that is not valid UTF-8 (0xFF)',
    ); // UTF-16
  });

  it('returns the text of UTF-8 bytes, BOM removed', () => {
    expect(decode([0xef, 0xbb, 0xbf, ...Buffer.from('a: é')])).toBe('a: é');
  });
});

describe('firstInvalidUtf8 / utf8Position', () => {
  it('finds the first bad byte; a sequence cut by the end counts only when final', () => {
    expect(firstInvalidUtf8(Buffer.from('héllo 😀'))).toBe(-1);
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0xe2, 0x82]))).toBe(1);
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0xe2, 0x82]), 0, false)).toBe(-1);
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0xe2, 0x28, 0xa1]), 0, false)).toBe(1);
  });

  it('gives the line and column of a byte', () => {
    expect(utf8Position(Buffer.from('ab\ncdé\nx'), 7)).toEqual({ line: 2, column: 4 });
  });
});

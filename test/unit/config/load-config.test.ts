import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, interpolate, resolveUrl } from '../../../src/config/load-config.js';
import { ConfigError } from '../../../src/errors.js';
import { redact, clearSecrets } from '../../../src/util/redact.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-cfg-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  clearSecrets();
});

function write(text: string, name = 'cutover.yaml'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

async function failure(text: string, env: NodeJS.ProcessEnv = {}): Promise<ConfigError> {
  const file = write(text);
  try {
    await loadConfig(file, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected loadConfig to fail');
}

describe('loadConfig', () => {
  it('loads a valid file, resolving relative sqlite/csv paths and folders against its folder', async () => {
    const file = write(
      'connections:\n  legacy: { url: "sqlite:legacy.db", readOnly: true }\n  files: { url: "csv:./extracts" }\n  cloud: { url: "postgres://u@h/db" }\nreports: out/\n',
    );
    const c = await loadConfig(file, {});
    expect(c.file).toBe(file);
    expect(c.connections.legacy).toMatchObject({
      name: 'legacy',
      url: `sqlite:${dir}/legacy.db`,
      readOnly: true,
    });
    expect(c.connections.files!.url).toBe(`csv:${dir}/extracts`);
    expect(c.connections.cloud!.url).toBe('postgres://u@h/db');
    expect(c.controlUrl).toBe(`sqlite:${dir}/.cutover/control.db`);
    expect(c.mappingsDir).toBe(path.join(dir, 'mappings'));
    expect(c.reportsDir).toBe(path.join(dir, 'out'));
  });

  it('names the missing file and how to fix it', async () => {
    const missing = path.join(dir, 'nope.yaml');
    await expect(loadConfig(missing, {})).rejects.toThrow(`No configuration file at ${missing}.`);
    const err = (await loadConfig(missing, {}).catch((e: unknown) => e)) as ConfigError;
    expect(err.hint).toMatch(/--config/);
  });

  it('reports a YAML syntax error with its line and column', async () => {
    const err = await failure(
      'connections:\n  legacy: { url: "sqlite:a.db"\n  cloud: { url: "sqlite:b.db" }\n',
    );
    expect(err.message).toMatch(/cutover\.yaml line 3, column \d+ is not valid YAML: /);
  });

  it('reports a duplicate key with its line and a fix', async () => {
    const err = await failure('connections:\n  a: { url: "sqlite:a.db" }\n  a: { url: "sqlite:b.db" }\n');
    expect(err.message).toMatch(/line 3, column 3 is not valid YAML: Map keys must be unique/);
    expect(err.hint).toMatch(/Remove or rename one/);
  });

  it('refuses a connectTimeoutMs past 10 minutes, naming the key, the value and the limit', async () => {
    // Past 2^31 ms the drivers' timer fired at once: a reachable server was reported as not answering.
    const err = await failure(
      'connections:\n  cloud: { url: "postgres://u@h/db", connectTimeoutMs: 9999999999 }\n',
    );
    expect(err.message).toMatch(
      /line 2: connections\.cloud\.connectTimeoutMs is number 9999999999: .*600000/,
    );
    const ok = write('connections:\n  cloud: { url: "postgres://u@h/db", connectTimeoutMs: 600000 }\n');
    expect((await loadConfig(ok, {})).connections.cloud!.connectTimeoutMs).toBe(600_000);
  });

  it('refuses a connection time zone that is not one, naming the key and line', async () => {
    const err = await failure('connections:\n  cloud: { url: "sqlite:c.db", timezone: "Mars/Olympus" }\n');
    expect(err.message).toMatch(
      /line 2: connections\.cloud\.timezone is the text "Mars\/Olympus": not an IANA time zone/,
    );
  });

  it('suggests the closest key for an unknown key, at every level', async () => {
    let err = await failure('conections:\n  a: { url: "sqlite:a.db" }\n');
    expect(err.message).toContain(
      'cutover.yaml line 1: unknown key "conections" at the top level. Did you mean `connections`?',
    );
    err = await failure('connections:\n  a: { url: "sqlite:a.db", readonly: true }\n');
    expect(err.message).toContain(
      'cutover.yaml line 2: unknown key "readonly" in connections.a. Did you mean `readOnly`?',
    );
    err = await failure('connections:\n  a: { url: "sqlite:a.db" }\ncontrol: { ulr: "sqlite:c.db" }\n');
    expect(err.message).toContain('cutover.yaml line 3: unknown key "ulr" in control. Did you mean `url`?');
  });

  it('lists the known keys when nothing is close', async () => {
    const err = await failure('connections:\n  a: { url: "sqlite:a.db", zzzzzzzz: 1 }\n');
    expect(err.message).toContain(
      'unknown key "zzzzzzzz" in connections.a. Remove it, or use one of: url, readOnly',
    );
  });

  it('names a wrong type, its path and what is expected', async () => {
    const err = await failure('connections:\n  a: { url: "sqlite:a.db", readOnly: "yes" }\n');
    expect(err.message).toContain(
      'cutover.yaml line 2: connections.a.readOnly is the text "yes", but true or false is expected there. Change it.',
    );
  });

  it('refuses an SLA age reaching back before 0001-01-01, which --overdue cannot compare against', async () => {
    const err = await failure(
      'connections:\n  a: { url: "sqlite:a.db" }\nexceptions: { sla: { high: 1d, low: 999999999999d } }\n',
    );
    expect(err.message).toContain(
      'line 3: exceptions.sla.low is the text "999999999999d": reaches back before 0001-01-01T00:00:00Z',
    );
    const ok = await loadConfig(
      write('connections:\n  a: { url: "sqlite:a.db" }\nexceptions: { sla: { high: 52w } }\n'),
      {},
    );
    expect(ok.exceptionSla).toEqual({ high: 52 * 604_800_000 });
  });

  it('names a missing required key', async () => {
    const err = await failure('connections:\n  a: { readOnly: true }\n');
    expect(err.message).toContain('connections.a.url is missing (a text value expected). Add it.');
    const err2 = await failure('control: { url: "sqlite:c.db" }\n');
    expect(err2.message).toContain('connections is missing (a map of keys expected)');
  });

  it('names an unset ${VAR}, its line and its place', async () => {
    const err = await failure('connections:\n  cloud:\n    url: "${CLOUD_URL}"\n');
    expect(err.message).toContain(
      'line 3 (connections.cloud.url) uses the environment variable CLOUD_URL, which is not set',
    );
    expect(err.hint).toContain('export CLOUD_URL=');
  });

  it('interpolates after parsing, so a value with YAML characters cannot break the file', async () => {
    const file = write(
      'connections:\n  cloud: { url: "postgres://u:${DB_PW}@h/db" }\n  api: { url: "https://x", headers: { X-Key: "${DB_PW}" } }\n',
    );
    const c = await loadConfig(file, { DB_PW: 'p%23ss:%20}{x' });
    expect(c.connections.cloud!.url).toBe('postgres://u:p%23ss:%20}{x@h/db');
    const h = await loadConfig(file, { DB_PW: 'p%23ss:%20}{x' });
    expect(h.connections.api!.headers).toEqual({ 'X-Key': 'p%23ss:%20}{x' });
    // Unencoded, "#" would end the URL's user info: refused, without the value.
    await expect(loadConfig(file, { DB_PW: 'p#ss: }{x' })).rejects.toMatchObject({
      message: expect.not.stringContaining('p#ss') as unknown,
      hint: expect.stringContaining('# as %23') as unknown,
    });
  });

  it('ignores ${VAR} in comments and uses ${VAR:-default}', async () => {
    const file = write('# uses ${NOT_SET}\nconnections:\n  a: { url: "sqlite:${DB_FILE:-a.db}" }\n');
    const c = await loadConfig(file, {});
    expect(c.connections.a!.url).toBe(`sqlite:${dir}/a.db`);
  });

  it('registers a URL password and a token header for redaction', async () => {
    const file = write(
      'connections:\n  cloud: { url: "postgres://u:${PGPASS}@h/db" }\n  api: { url: "https://x", headers: { Authorization: "Bearer ${API}" } }\n',
    );
    await loadConfig(file, { PGPASS: 'hunter22', API: 'tok_abcdef' });
    expect(redact('failed with hunter22 and tok_abcdef')).toBe('failed with *** and ***');
  });
});

describe('interpolate', () => {
  it('replaces set variables and refuses unset ones by name', () => {
    expect(interpolate('a ${X} b', 'f.yaml', { X: '1' })).toBe('a 1 b');
    expect(() => interpolate('a\n${Y}', 'f.yaml', {})).toThrow(
      'f.yaml line 2 uses the environment variable Y, which is not set.',
    );
  });
});

describe('resolveUrl', () => {
  it('resolves only relative file paths', () => {
    expect(resolveUrl('sqlite:x.db', '/base')).toBe('sqlite:/base/x.db');
    expect(resolveUrl('sqlite::memory:', '/base')).toBe('sqlite::memory:');
    expect(resolveUrl('CSV:/abs', '/base')).toBe('csv:/abs');
    expect(resolveUrl('postgres://h/db', '/base')).toBe('postgres://h/db');
  });
});

describe('connection URLs', () => {
  it('refuses a URL without a scheme, naming its line and the fix', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-cfg-')), 'cutover.yaml');
    fs.writeFileSync(file, 'connections:\n  legacy:\n    url: legacy.db\n');
    const err = (await loadConfig(file, {}).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe(`${file} line 3: connections.legacy.url is "legacy.db", which has no scheme.`);
    expect(err.hint).toBe('Write sqlite:legacy.db for a SQLite file.');
    fs.writeFileSync(file, 'connections: {}\ncontrol: { url: ".cutover/control.db" }\n');
    const err2 = (await loadConfig(file, {}).catch((e: unknown) => e)) as ConfigError;
    expect(err2.message).toContain('line 2: control.url is ".cutover/control.db", which has no scheme.');
    fs.rmSync(path.dirname(file), { recursive: true });
  });
});

describe('the control store and readOnly connections', () => {
  const cfg = (legacy: string, control: string, readOnly = true) =>
    `connections:\n  legacy: { url: "${legacy}", readOnly: ${readOnly} }\n  cloud: { url: "sqlite:cloud.db" }\ncontrol: { url: "${control}" }\n`;

  it.each([
    ['sqlite:legacy.db', 'sqlite:./legacy.db'],
    ['sqlite:legacy.db', 'sqlite:sub/../legacy.db'],
    ['postgres://reader@127.0.0.1:5432/erp', 'postgresql://writer:pw@localhost/erp'],
    ['mysql://r@db.example.com/erp', 'mariadb://w:p@ss@DB.example.com:3306/erp'],
    ['mssql://r@sql01/AX', 'mssql://w:Pw1@sql01:1433/AX'],
  ])(
    'refuses a control store in the database of a readOnly connection: %s and %s',
    async (legacy, control) => {
      const err = await failure(cfg(legacy, control));
      expect(err.message).toContain(
        'line 4: control.url names the same database as connections.legacy, which is readOnly',
      );
      expect(err.hint).toContain('database of its own');
      expect(err.message + err.hint).not.toMatch(/pw|p@ss|Pw1/);
    },
  );

  it('refuses it through a symbolic link to the same SQLite file', async () => {
    fs.writeFileSync(path.join(dir, 'legacy.db'), '');
    fs.symlinkSync(path.join(dir, 'legacy.db'), path.join(dir, 'alias.db'));
    expect((await failure(cfg('sqlite:legacy.db', 'sqlite:alias.db'))).message).toContain(
      'the same database as connections.legacy',
    );
  });

  it.each([
    ['sqlite:legacy.db', 'sqlite:control.db', true],
    ['postgres://r@h/erp', 'postgres://w@h/cutover', true],
    ['postgres://r@h/erp', 'postgres://w@h:5433/erp', true],
    ['postgres://r@h1/erp', 'postgres://w@h2/erp', true],
    ['sqlite::memory:', 'sqlite::memory:', true],
    // Not readOnly: the store may share its database.
    ['sqlite:legacy.db', 'sqlite:legacy.db', false],
  ] as const)('accepts %s beside a control store at %s (readOnly: %s)', async (legacy, control, readOnly) => {
    const c = await loadConfig(write(cfg(legacy, control, readOnly)), {});
    expect(c.connections.legacy!.url).toBeDefined();
  });
});

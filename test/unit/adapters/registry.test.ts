import { describe, expect, it } from 'vitest';
import { createAdapter, schemeOf } from '../../../src/adapters/registry.js';
import { ConfigError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/util/logger.js';

const ctx = { logger: silentLogger() };

describe('adapter registry', () => {
  it('picks the adapter by URL scheme', () => {
    expect(createAdapter({ name: 'a', url: 'postgres://u@h/db' }, ctx).dialect).toBe('postgres');
    expect(createAdapter({ name: 'a', url: 'postgresql://u@h/db' }, ctx).dialect).toBe('postgres');
    expect(createAdapter({ name: 'a', url: 'mssql://u@h/db' }, ctx).dialect).toBe('mssql');
    expect(createAdapter({ name: 'a', url: 'sqlite::memory:' }, ctx).dialect).toBe('sqlite');
    expect(createAdapter({ name: 'a', url: 'csv:./x' }, ctx).dialect).toBe('csv');
    expect(schemeOf('PostgreSQL://x')).toBe('postgresql');
  });

  it('refuses an unknown scheme, naming it and the connection, without the password', () => {
    let err: unknown;
    try {
      createAdapter({ name: 'legacy', url: 'oracle://scott:T1gerPass@db:1521/orcl' }, ctx);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const text = (err as ConfigError).paragraph();
    expect(text).toContain('"oracle:"');
    expect(text).toContain('"legacy"');
    expect(text).toContain('postgres:');
    expect(text).not.toContain('T1gerPass');
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import {
  redact,
  redactUrl,
  registerSecret,
  clearSecrets,
  urlPassword,
  userInfoProblem,
} from '../../../src/util/redact.js';

afterEach(() => clearSecrets());

describe('redactUrl', () => {
  it.each([
    ['postgres://svc:s3cret@db:5432/erp', 'postgres://svc:***@db:5432/erp'],
    [
      'mssql://svc_recon:pa@ss:w0rd@erp-sql01:1433/AX?encrypt=true',
      'mssql://svc_recon:***@erp-sql01:1433/AX?encrypt=true',
    ],
    ['postgresql://u:p%40ss@h/db', 'postgresql://u:***@h/db'],
    ['postgres://postgres@127.0.0.1:5432/x', 'postgres://postgres@127.0.0.1:5432/x'],
    ['https://erp.example.com:8443/api', 'https://erp.example.com:8443/api'],
    ['sqlite:/tmp/a.db', 'sqlite:/tmp/a.db'],
    // Unencoded passwords as users paste them: a slash, a quote, a space, a plus.
    ['postgres://postgres:Xk9/q+Lm@127.0.0.1:5432/db', 'postgres://postgres:***@127.0.0.1:5432/db'],
    ["postgres://postgres:s3cr'tpw@127.0.0.1:5432/db", 'postgres://postgres:***@127.0.0.1:5432/db'],
    ['postgres://u:pa ss/wd@h/db?sslmode=require', 'postgres://u:***@h/db?sslmode=require'],
    ['postgres://u:${DB_PW}@h/db', 'postgres://u:${DB_PW}@h/db'],
    // an @ in the path or fragment is not user info: nothing to mask
    ['https://api.example.com:443/users/@me', 'https://api.example.com:443/users/@me'],
    ['http://h/#frag:x@y', 'http://h/#frag:x@y'],
  ])('%s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });
});

describe('a password with an "@" before its "?" or "#"', () => {
  // The user info runs to the "@" before the host, past a "?" or "#" of the password's own; the
  // refusal (userInfoProblem) then names the "?" or "#" before any driver reads the rest as a host.
  it.each([
    ['postgres://postgres:P@ss?w0rd!@127.0.0.1:5432/postgres', 'P@ss?w0rd!'],
    ['postgres://postgres:S3cr@t:p%ss/w?rd#Zq@127.0.0.1:5432/postgres', 'S3cr@t:p%ss/w?rd#Zq'],
    ['postgres://postgres:Adm1n@2024#@127.0.0.1:5432/postgres', 'Adm1n@2024#'],
    ['mysql://root:a@b#c@localhost/db?charset=utf8mb4', 'a@b#c'],
    ['postgres://u:x@y?z@[::1]:5432/db', 'x@y?z'],
  ])('%s: the whole password is masked and the URL refused', (url, password) => {
    expect(urlPassword(url)).toBe(password);
    expect(redactUrl(url)).toBe(url.replace(password, '***'));
    expect(userInfoProblem(url)).toMatch(/"\/", "\?" or "#"/);
  });

  it.each([
    // an "@" in a query's value, after a "=": the password ends at the first "@"
    ['mssql://svc:pw@erp:1433/AX?authentication=azure-active-directory-password&user=a@b.com', 'pw'],
    ['postgres://u:p@h/db?options=x@y', 'p'],
    ['postgres://u:p@ss@h/db?sslmode=require', 'p@ss'],
  ])('%s keeps its password', (url, password) => {
    expect(urlPassword(url)).toBe(password);
    expect(userInfoProblem(url)).toBeUndefined();
  });
});

describe('redact', () => {
  it('masks URL passwords inside free text, several per line', () => {
    expect(redact('connect postgres://a:x1@h/db failed; retry mssql://b:y2@k/db')).toBe(
      'connect postgres://a:***@h/db failed; retry mssql://b:***@k/db',
    );
  });

  it('masks key=value secrets in driver connection strings', () => {
    expect(redact('Server=h;User Id=sa;Password=Sup3r!;Encrypt=true')).toBe(
      'Server=h;User Id=sa;Password=***;Encrypt=true',
    );
    expect(redact('https://x/api?token=abc123&page=2')).toBe('https://x/api?token=***&page=2');
    expect(redact('postgres://u@h/db?sslmode=verify-full&sslpassword=k3yPass')).toBe(
      'postgres://u@h/db?sslmode=verify-full&sslpassword=***',
    );
  });

  it('masks secrets in JSON log lines', () => {
    const line = JSON.stringify({ msg: 'connect', connection: { user: 'u', password: 'pw"with quote' } });
    expect(redact(line)).toBe('{"msg":"connect","connection":{"user":"u","password":"***"}}');
  });

  it('masks bearer and basic tokens', () => {
    expect(redact('Authorization: Bearer eyJhbGciOi.J9.x-y_z')).toBe('Authorization: Bearer ***');
    expect(redact('Basic dXNlcjpwYXNz')).toBe('Basic ***');
  });

  it('masks registered secrets anywhere, raw and URL-encoded', () => {
    registerSecret('p@ss w0rd');
    expect(redact('password authentication failed: p@ss w0rd / p%40ss%20w0rd')).toBe(
      'password authentication failed: *** / ***',
    );
  });

  it('leaves text without secrets alone, and ignores too-short secrets', () => {
    registerSecret('ab');
    expect(redact('table "ab" does not exist')).toBe('table "ab" does not exist');
  });
});

describe('redact placeholders', () => {
  it('keeps a ${VAR} placeholder in a hint readable', () => {
    expect(redact('use postgres://user:${PGPASSWORD}@host/db')).toBe(
      'use postgres://user:${PGPASSWORD}@host/db',
    );
    expect(redactUrl('postgres://user:${PW}x@host/db')).toBe('postgres://user:***@host/db');
  });
});

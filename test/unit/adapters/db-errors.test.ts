import { describe, expect, it } from 'vitest';
import { environmentDbCode } from '../../../src/adapters/db-errors.js';
import { postedError, rebuildError } from '../../../src/util/worker-files.js';

/** An error as a driver throws it: a message and a code (or SQL Server's number). */
const dbError = (message: string, fields: Record<string, unknown>) =>
  Object.assign(new Error(message), fields);

describe('environmentDbCode', () => {
  it('names what the machine or the server refused, by engine', () => {
    for (const [code, fields] of [
      ['SQLITE_FULL', { code: 'SQLITE_FULL' }],
      ['SQLITE_IOERR_WRITE', { code: 'SQLITE_IOERR_WRITE' }],
      ['SQLITE_READONLY', { code: 'SQLITE_READONLY' }],
      ['SQLITE_CORRUPT', { code: 'SQLITE_CORRUPT' }],
      ['SQLITE_BUSY', { code: 'SQLITE_BUSY' }],
      ['53100', { code: '53100' }], // PostgreSQL: disk full
      ['25006', { code: '25006' }], // read-only transaction
      ['08006', { code: '08006' }], // connection failure
      ['ER_DISK_FULL', { code: 'ER_DISK_FULL' }],
      ['ER_OPTION_PREVENTS_STATEMENT', { code: 'ER_OPTION_PREVENTS_STATEMENT' }],
      ['9002', { number: 9002 }], // SQL Server: transaction log full
    ] as const)
      expect(environmentDbCode(dbError('refused', fields))).toBe(code);
  });

  it('leaves a statement the database did not accept to be a fault of ours', () => {
    for (const fields of [
      { code: 'SQLITE_ERROR' }, // syntax error, no such table
      { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' },
      { code: '42601' }, // PostgreSQL: syntax error
      { code: '42P01' }, // undefined table
      { code: 'ER_PARSE_ERROR' },
      { number: 102 }, // SQL Server: incorrect syntax
      {},
    ])
      expect(environmentDbCode(dbError('refused', fields))).toBeUndefined();
    expect(environmentDbCode(new TypeError('x is undefined'))).toBeUndefined();
  });

  it('looks through causes, and sees the code of an error a worker thread posted', () => {
    expect(environmentDbCode(new Error('wrapped', { cause: dbError('full', { code: 'SQLITE_FULL' }) }))).toBe(
      'SQLITE_FULL',
    );
    const crossed = rebuildError(postedError(dbError('database or disk is full', { code: 'SQLITE_FULL' })));
    expect(crossed.message).toBe('database or disk is full');
    expect(environmentDbCode(crossed)).toBe('SQLITE_FULL');
  });
});

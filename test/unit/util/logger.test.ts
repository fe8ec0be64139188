import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { createLogger } from '../../../src/util/logger.js';

afterEach(() => vi.restoreAllMocks());

function capture() {
  const err: string[] = [];
  const out: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation(
    (s: string | Uint8Array) => (err.push(String(s)), true),
  );
  vi.spyOn(process.stdout, 'write').mockImplementation(
    (s: string | Uint8Array) => (out.push(String(s)), true),
  );
  return { err, out };
}

describe('createLogger', () => {
  it('writes JSON lines to stderr only, with URL passwords redacted', () => {
    const { err, out } = capture();
    const logger = createLogger({ pretty: false });
    logger.info({ url: 'postgres://u:hunter2@h/db' }, 'opening postgres://u:hunter2@h/db');
    expect(out).toEqual([]);
    const line = JSON.parse(err.join('')) as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 30,
      url: 'postgres://u:***@h/db',
      msg: 'opening postgres://u:***@h/db',
    });
    expect(err.join('')).not.toContain('hunter2');
  });

  it('hides debug lines unless debug is on', () => {
    const { err } = capture();
    createLogger({ pretty: false }).debug('quiet');
    expect(err).toEqual([]);
    createLogger({ pretty: false, debug: true }).debug('loud');
    expect(err.join('')).toContain('"msg":"loud"');
  });

  it('also writes every level, redacted, to --log-file', async () => {
    capture();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-log-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'run.log');
    const logger = createLogger({ pretty: false, logFile: file });
    logger.debug({ connection: { password: 'pw123456' } }, 'detail');
    await new Promise((r) => setTimeout(r, 100));
    const text = fs.readFileSync(file, 'utf8');
    expect(JSON.parse(text)).toMatchObject({ msg: 'detail', connection: { password: '***' } });
  });

  it('refuses a --log-file that cannot be opened, as bad input (exit 2)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-log-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const missing = path.join(dir, 'no-such-folder', 'run.log');
    expect(() => createLogger({ pretty: false, logFile: missing })).toThrow(UsageError);
    expect(() => createLogger({ pretty: false, logFile: missing })).toThrow(
      `--log-file ${missing} cannot be opened for writing (ENOENT: its folder does not exist).`,
    );
    expect(() => createLogger({ pretty: false, logFile: dir })).toThrow(
      /cannot be opened for writing \(EISDIR: it is a folder\)/,
    );
  });

  // Linux: every write to /dev/full fails with ENOSPC.
  it.skipIf(!fs.existsSync('/dev/full'))(
    'goes on when the log file cannot be written, saying so once on stderr',
    () => {
      const { err } = capture();
      const logger = createLogger({ pretty: false, logFile: '/dev/full' });
      logger.info('first');
      logger.info('second');
      const warnings = err.filter((s) =>
        s.startsWith(
          'Warning: --log-file /dev/full could not be written (ENOSPC: the disk is full); no more lines go to it',
        ),
      );
      expect(warnings).toHaveLength(1);
      // stderr still has both lines.
      expect(err.join('')).toContain('"msg":"first"');
      expect(err.join('')).toContain('"msg":"second"');
    },
  );
});

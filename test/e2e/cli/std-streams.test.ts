// Standard output that cannot take a command's output (src/cli/std-streams.ts), through the binary:
// a reader that went away (`| head`) is no error and the command keeps its exit code; a full disk
// behind `> file` is one paragraph and exit 2, never Node's stack trace.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../../helpers/cli.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-stdout-'));
  fs.cpSync(path.join(ROOT, 'examples', 'quickstart'), dir, {
    recursive: true,
    filter: (src) => !/[\\/](\.cutover|reports)$/.test(src),
  });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * Runs node with `argv` in the project, its stdout closed before it writes (its reader gone: EPIPE),
 * going to /dev/full (ENOSPC) or open for reading only (EBADF); what it said on stderr and its exit code.
 */
function spawnWithStdout(
  argv: string[],
  stdout: 'closed' | 'full' | 'read-only',
): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const fd =
      stdout === 'full'
        ? fs.openSync('/dev/full', 'w')
        : stdout === 'read-only'
          ? fs.openSync(os.devNull, 'r')
          : undefined;
    const child = spawn(process.execPath, argv, {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', fd ?? 'pipe', 'pipe'],
    });
    if (fd !== undefined) fs.closeSync(fd);
    else child.stdout!.destroy();
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

/** The binary with `args`, its stdout as spawnWithStdout makes it. */
const runWithStdout = (args: string[], stdout: 'closed' | 'full' | 'read-only') =>
  spawnWithStdout([BIN, ...args], stdout);

const noStack = (stderr: string) => expect(stderr).not.toMatch(/^\s+at /m);

describe('stdout whose reader went away (EPIPE)', () => {
  it('is no error: the command ends with its own exit code and says nothing', async () => {
    // The quickstart's one difference: exit 1, whether or not anyone reads the result.
    const reconcile = await runWithStdout(['reconcile', 'inventory', '--json'], 'closed');
    expect(reconcile, reconcile.stderr).toEqual({ code: 1, stderr: '' });
    const exported = await runWithStdout(['exceptions', 'export', '--format', 'csv', '--out', '-'], 'closed');
    expect(exported, exported.stderr).toEqual({ code: 0, stderr: '' });
    const listed = await runWithStdout(['runs', 'list'], 'closed');
    expect(listed, listed.stderr).toEqual({ code: 0, stderr: '' });
    const help = await runWithStdout(['--help'], 'closed');
    expect(help, help.stderr).toEqual({ code: 0, stderr: '' });
  });
});

describe('stdout that is not open for writing (EBADF)', () => {
  it('is one paragraph that says to check where it goes, and exit 2', async () => {
    const r = await runWithStdout(['runs', 'list'], 'read-only');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(
      'Error: Cannot write to standard output (EBADF): the output was cut short. Check where',
    );
    noStack(r.stderr);
  });
});

describe.skipIf(!fs.existsSync('/dev/full'))('stdout on a full disk (ENOSPC)', () => {
  const paragraph =
    'Error: Cannot write to standard output (ENOSPC: the disk is full): the output was cut short.';

  it('is one paragraph on stderr and exit 2, whatever wrote to it', async () => {
    for (const args of [
      ['--help'], // oclif's own output, outside any command
      ['--version'],
      ['runs', 'list'],
      ['runs', 'list', '--json'],
      ['exceptions', 'export', '--format', 'csv', '--out', '-'],
      ['reconcile', 'inventory'],
    ]) {
      const r = await runWithStdout(args, 'full');
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(
        r.stderr.split('\n').filter((l) => l.startsWith('Error: ')),
        r.stderr,
      ).toEqual([expect.stringContaining(paragraph)]);
      noStack(r.stderr);
    }
  });

  it('never lowers a higher exit code (a fault in cutover stays 3)', async () => {
    const guard = path.join(ROOT, 'dist', 'src', 'cli', 'std-streams.js');
    const script = `import { guardStdStreams } from ${JSON.stringify(guard)}; guardStdStreams(); process.exitCode = 3; process.stdout.write('x');`;
    const { code, stderr } = await spawnWithStdout(['--input-type=module', '-e', script], 'full');
    expect(code, stderr).toBe(3);
    expect(stderr).toContain('Cannot write to standard output (ENOSPC: the disk is full)');
  });

  it('a report, an export or the dashboard whose file is on a full disk names the file', async () => {
    const run = await runCli(['reconcile', 'inventory', '--json'], { cwd: dir });
    const runId = run.json<{ runId: string }>().runId;
    for (const args of [
      ['exceptions', 'export', '--format', 'csv'],
      ...['csv', 'md', 'json', 'xlsx'].map((f) => ['report', runId, '--format', f]),
      ['dashboard'],
    ]) {
      const r = await runCli([...args, '--out', '/dev/full'], { cwd: dir });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr, args.join(' ')).toContain('Error: Cannot write /dev/full: the disk is full.');
      noStack(r.stderr);
    }
  });
});

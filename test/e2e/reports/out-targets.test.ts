// `--out` never replaces what is not a regular file (issue 13 §3): `-` is stdout, a character device
// or a FIFO is written through, a symbolic link stays a link, a block device is refused. Device
// nodes are made with mknod in a temp folder (the tests run as root, here and in CI).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../../helpers/cli.js';

let dir: string;
let project: string;
let runId: string;
const reportArgs = () => ['report', runId, '--format', 'md'];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-out-'));
  project = path.join(dir, 'project');
  fs.cpSync(path.join(ROOT, 'examples', 'quickstart'), project, {
    recursive: true,
    filter: (src) => !/[\\/](\.cutover|reports)$/.test(src),
  });
  const r = await runCli(['reconcile', 'inventory', '--report', 'json', '--json'], { cwd: project });
  expect(r.code).toBe(1);
  runId = r.json<{ runId: string }>().runId;
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('--out - prints on stdout', () => {
  it.each([
    ['md', (out: string) => expect(out).toMatch(/^## ❌ FAIL — reconciliation inventory/)],
    ['json', (out: string) => expect(JSON.parse(out)).toMatchObject({ name: 'inventory' })],
    ['csv', (out: string) => expect(out.split('\r\n')[0]).toMatch(/^"?[A-Za-z]/)],
  ])('report --format %s --out -', async (format, check) => {
    const r = await runCli(['report', runId, '--format', format, '--out', '-'], { cwd: project });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    check(r.stdout);
    expect(r.stdout).not.toMatch(/^Wrote /m);
    expect(fs.existsSync(path.join(project, '-'))).toBe(false);
  });

  it('the JSON report on stdout is the one written to a file', async () => {
    const file = path.join(dir, 'run.json');
    const a = await runCli(['report', runId, '--format', 'json', '--out', '-'], { cwd: project });
    const b = await runCli(['report', runId, '--format', 'json', '--out', file], { cwd: project });
    expect(b.code).toBe(0);
    expect(a.stdout).toBe(fs.readFileSync(file, 'utf8'));
  });

  it.each([
    [['--out', '-'], /a workbook needs a file/],
    [['--format', 'xlsx', '--out', '-'], /a workbook needs a file/],
    [['--format', 'md', '--out', '-', '--json'], /no room for --json/],
  ])('refuses report %j (exit 2, nothing on stdout but the error object)', async (flags, message) => {
    const r = await runCli(['report', runId, ...flags], { cwd: project });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(fs.existsSync(path.join(project, '-'))).toBe(false);
  });

  it('exceptions export --out - prints CSV (the default format there)', async () => {
    const r = await runCli(['exceptions', 'export', '--out', '-'], { cwd: project });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^ID,Kind,Mapping,Key,/);
    expect(lines).toHaveLength(2); // the one planted mismatch
    expect(lines[1]).toMatch(/^X-\d+,mismatch,inventory,/);
    expect(fs.existsSync(path.join(project, '-'))).toBe(false);
  });

  it('exceptions export --format xlsx --out - is refused (exit 2)', async () => {
    const r = await runCli(['exceptions', 'export', '--format', 'xlsx', '--out', '-'], { cwd: project });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/an Excel workbook needs a file/);
    expect(r.stdout).toBe('');
  });
});

describe('--out onto what is not a regular file', () => {
  it('a character device (mknod c 1 3, a null device) is written through and stays a device', async () => {
    const dev = path.join(dir, 'null-dev');
    execFileSync('mknod', [dev, 'c', '1', '3']);
    const before = fs.lstatSync(dev);
    for (const args of [
      [...reportArgs(), '--out', dev],
      ['exceptions', 'export', '--format', 'csv', '--out', dev],
      ['exceptions', 'export', '--format', 'xlsx', '--out', dev],
    ]) {
      const r = await runCli(args, { cwd: project });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const after = fs.lstatSync(dev);
      expect(after.isCharacterDevice()).toBe(true);
      expect([after.ino, after.rdev]).toEqual([before.ino, before.rdev]);
    }
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a FIFO is written through: the reader gets the report, the FIFO stays', async () => {
    const fifo = path.join(dir, 'report.fifo');
    execFileSync('mkfifo', [fifo]);
    const read = new Promise<string>((resolve, reject) => {
      let text = '';
      fs.createReadStream(fifo, 'utf8')
        .on('data', (d) => (text += d))
        .on('end', () => resolve(text))
        .on('error', reject);
    });
    const r = await runCli([...reportArgs(), '--out', fifo], { cwd: project });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await read).toMatch(/^## ❌ FAIL — reconciliation inventory/);
    expect(fs.lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('a symbolic link to /dev/stdout writes into the pipe and stays a link', () => {
    const link = path.join(dir, 'stdout-link');
    fs.symlinkSync('/dev/stdout', link);
    // Through a shell pipe: Node gives a child's stdout as a socket, which /dev/stdout cannot reopen;
    // a scheduler's `cutover … | mail` gives a pipe.
    const out = execFileSync(
      'sh',
      ['-c', 'node "$0" "$@" | cat', BIN, ...reportArgs(), '--out', link],
      { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    expect(out).toMatch(/^## ❌ FAIL — reconciliation inventory/);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(link)).toBe('/dev/stdout');
  });

  it('a symbolic link to a file: the file gets the report, the link stays a link', async () => {
    const target = path.join(dir, 'target.md');
    const link = path.join(dir, 'latest.md');
    fs.writeFileSync(target, 'old');
    fs.symlinkSync(target, link);
    const r = await runCli([...reportArgs(), '--out', link], { cwd: project });
    expect(r.code).toBe(0);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(link)).toBe(target);
    expect(fs.readFileSync(target, 'utf8')).toMatch(/^## ❌ FAIL — reconciliation inventory/);
  });

  it('a dangling symbolic link is refused (exit 2) and left as it is', async () => {
    const link = path.join(dir, 'dangling.md');
    fs.symlinkSync(path.join(dir, 'nowhere', 'x.md'), link);
    const r = await runCli([...reportArgs(), '--out', link], { cwd: project });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is a symbolic link to something that does not exist/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.existsSync(path.join(dir, 'nowhere'))).toBe(false);
  });

  it('a block device (mknod b) is refused (exit 2) and left as it is', async () => {
    const dev = path.join(dir, 'blk-dev');
    execFileSync('mknod', [dev, 'b', '7', '200']);
    const r = await runCli([...reportArgs(), '--out', dev], { cwd: project });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is a block device/);
    expect(r.stdout).toBe('');
    expect(fs.lstatSync(dev).isBlockDevice()).toBe(true);
  });

  it('a regular file is still replaced whole (a new inode through the rename)', async () => {
    const file = path.join(dir, 'plain.md');
    fs.writeFileSync(file, 'old');
    const ino = fs.statSync(file).ino;
    const r = await runCli([...reportArgs(), '--out', file], { cwd: project });
    expect(r.code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^## ❌ FAIL — reconciliation inventory/);
    expect(fs.statSync(file).ino).not.toBe(ino);
  });
});

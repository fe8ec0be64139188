/**
 * Start-up benchmark: `npm run bench:startup -- [--runs N]`. Times the built binary (wall clock,
 * median of N runs each) for `--version` and for `runs list` and `exceptions list` on a SQLite
 * control store (a copy of examples/quickstart reconciled once), and prints each ratio to
 * `--version`. The target (issue 13): both lists within 2× of `--version`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchArgs, wholeNumber } from './bench-args.js';

const USAGE = `Usage: npm run bench:startup -- [--runs N]

  --runs N    runs of each command; the median is kept (default 7)
  -h, --help  this text`;

const { values } = benchArgs(USAGE, () => parseArgs({ options: { runs: { type: 'string', default: '7' } } }));
const runs = wholeNumber(USAGE, '--runs', values.runs);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'run.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-startup-'));

const TIME = '/usr/bin/time'; // GNU time: the child's CPU seconds, which a busy machine inflates less than wall time
const hasTime = fs.existsSync(TIME);

/** Wall-clock ms, and CPU ms (user + system) when GNU time is there. */
function cli(args: string[]): { ms: number; cpuMs?: number; status: number | null } {
  const t = process.hrtime.bigint();
  const r = hasTime
    ? spawnSync(TIME, ['-f', 'CPU %U %S', process.execPath, bin, ...args], { cwd: dir, encoding: 'utf8' })
    : spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  const m = /^CPU ([\d.]+) ([\d.]+)$/m.exec(r.stderr ?? '');
  return { ms, cpuMs: m ? (Number(m[1]) + Number(m[2])) * 1000 : undefined, status: r.status };
}

const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function median(args: string[]): { ms: number; cpuMs?: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = cli(args);
    if (r.status !== 0) throw new Error(`cutover ${args.join(' ')} exited ${r.status}`);
    wall.push(r.ms);
    if (r.cpuMs !== undefined) cpu.push(r.cpuMs);
  }
  return { ms: mid(wall), cpuMs: cpu.length ? mid(cpu) : undefined };
}

try {
  fs.cpSync(path.join(root, 'examples', 'quickstart'), dir, {
    recursive: true,
    filter: (src) => !/[\\/](\.cutover|reports)$/.test(src),
  });
  if (cli(['reconcile', 'inventory', '--report', 'json']).status !== 1)
    throw new Error('the quickstart reconcile did not run');
  cli(['--version']); // warm the file cache
  const version = median(['--version']);
  const show = (t: { ms: number; cpuMs?: number }) =>
    `wall ${t.ms.toFixed(0)} ms` + (t.cpuMs !== undefined ? `, CPU ${t.cpuMs.toFixed(0)} ms` : '');
  const lines = [`--version: ${show(version)} (medians of ${runs} runs)`];
  for (const args of [
    ['runs', 'list'],
    ['exceptions', 'list'],
  ]) {
    const t = median(args);
    const cpu =
      t.cpuMs !== undefined && version.cpuMs ? `, CPU ${(t.cpuMs / version.cpuMs).toFixed(2)}×` : '';
    lines.push(`${args.join(' ')}: ${show(t)}; wall ${(t.ms / version.ms).toFixed(2)}×${cpu} --version`);
  }
  process.stdout.write(lines.join('\n') + '\n');
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

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

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Math.max(1, Number(values.runs));
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'run.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-startup-'));

function cli(args: string[]): { ms: number; status: number | null } {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, stdio: 'ignore', env: process.env });
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, status: r.status };
}

function median(args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = cli(args);
    if (r.status !== 0) throw new Error(`cutover ${args.join(' ')} exited ${r.status}`);
    times.push(r.ms);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
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
  const lines = [`--version: ${version.toFixed(0)} ms (median of ${runs})`];
  for (const args of [
    ['runs', 'list'],
    ['exceptions', 'list'],
  ]) {
    const ms = median(args);
    lines.push(`${args.join(' ')}: ${ms.toFixed(0)} ms, ${(ms / version).toFixed(2)}× --version`);
  }
  process.stdout.write(lines.join('\n') + '\n');
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

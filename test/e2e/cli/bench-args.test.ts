/**
 * The benchmark scripts' command lines (bench/bench-args.ts), through the built scripts: --help is
 * the usage on stdout and exit 0; an unknown option, a missing value or a bad number is one message
 * and the usage on stderr and exit 2, never Node's stack trace. Every case exits before a script
 * builds anything or connects to a database; should a check ever let a case through, the database
 * the scripts would reach is one that is not there and the memory bench's tables have one row.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'vitest';
import { ROOT } from '../../helpers/cli.js';

/** Runs dist/bench/<name>-bench.js with `args`: its exit code, stdout and stderr. */
function bench(name: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'bench', `${name}-bench.js`), ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', CUTOVER_BENCH_PG_URL: 'postgres://nobody@127.0.0.1:9/none' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

const STACK = /^\s+at /m;

describe.concurrent('benchmark scripts: --help', () => {
  it.for([
    ['reconcile', ['--help'], 'Usage: npm run bench:reconcile -- [--rows N] [--diff PCT]'],
    ['replay', ['-h'], 'Usage: npm run bench:replay -- --events N'],
    // Anywhere on the command line, even after a value that is wrong.
    ['startup', ['--runs', '0', '--help'], 'Usage: npm run bench:startup -- [--runs N]'],
  ] as const)('%s %j prints the usage and exits 0', async ([name, args, usage], { expect }) => {
    const r = await bench(name, [...args]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.startsWith(usage), r.stdout).toBe(true);
    expect(r.stdout).toContain('  -h, --help  ');
    expect(r.stderr).toBe('');
  });
});

describe.concurrent('benchmark scripts: bad input is exit 2, one message and the usage', () => {
  it.for([
    ['reconcile', ['--bogus'], "Unknown option '--bogus'"],
    ['memory', ['--rows'], "Option '--rows <value>' argument missing"],
    ['reconcile', ['--rows', 'abc'], '--rows abc is not a whole number of 1 or more.'],
    ['startup', ['--runs', '0'], '--runs 0 is not a whole number of 1 or more.'],
    [
      'memory',
      ['--rows', '1', '--memory', '512,x'],
      '--memory 512,x is not a comma-separated list of whole numbers of 1 or more.',
    ],
    ['reconcile', ['--diff', '1%'], '--diff 1% is not a percentage from 0 to 100'],
    [
      'reconcile',
      ['--scenarios', '1000000@1,1000000'],
      '--scenarios 1000000@1,1000000: "1000000" is not ROWS@PCT',
    ],
  ] as const)('%s %j', async ([name, args, message], { expect }) => {
    const r = await bench(name, [...args]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.startsWith(message), r.stderr).toBe(true);
    expect(r.stderr).toContain(`\n\nUsage: npm run bench:${name} -- `);
    expect(r.stderr).not.toMatch(STACK);
  });
});

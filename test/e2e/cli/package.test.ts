// Packaging (issue 13 §7): `npm pack` from a clean checkout builds (prepack) and ships dist/src,
// the manifest, LICENSE and bin/run.js, without bench/, source maps or bin/dev.js; installing the
// tarball globally into a temp prefix gives a working `cutover`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/cli.js';

let dir: string;
let tarball: string;
let files: string[];

const run = (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
  execFileSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', stdio: 'pipe' });

describe('npm pack and npm install -g', { timeout: 900_000 }, () => {
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-pack-'));
    // A clean checkout: only the files git tracks (no dist/, no manifest), with the installed modules.
    const clone = path.join(dir, 'clone');
    for (const rel of run('git', ['ls-files', '-z'], ROOT).split('\0').filter(Boolean)) {
      const from = path.join(ROOT, rel);
      if (!fs.existsSync(from)) continue; // deleted in the working tree
      fs.mkdirSync(path.dirname(path.join(clone, rel)), { recursive: true });
      fs.copyFileSync(from, path.join(clone, rel));
    }
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'));
    expect(fs.existsSync(path.join(clone, 'dist'))).toBe(false);
    // prepack's build prints first; npm's JSON is the rest, from the line that opens its array.
    const packed = run('npm', ['pack', '--json', '--pack-destination', dir], clone);
    const out = JSON.parse(packed.slice(packed.search(/^\[/m))) as {
      filename: string;
      files: { path: string }[];
    }[];
    tarball = path.join(dir, out[0]!.filename);
    files = out[0]!.files.map((f) => f.path);
  }, 900_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('ships the compiled CLI, its manifest and LICENSE, and nothing of the development side', () => {
    for (const f of [
      'bin/run.js',
      'LICENSE',
      'README.md',
      'package.json',
      'oclif.manifest.json',
      'dist/src/commands/reconcile.js',
      'dist/src/cli/base-command.js',
      'dist/src/hooks/command-not-found.js',
      // knex, zod and yaml bundled for start-up (scripts/bundle-vendor.mjs)
      'dist/vendor/knex.cjs',
      'dist/vendor/zod.js',
      'dist/vendor/yaml.js',
    ])
      expect(files, f).toContain(f);
    expect(files.filter((f) => f.startsWith('dist/bench') || f.startsWith('bench/'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
    expect(files).not.toContain('bin/dev.js');
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      license: string;
      repository?: { url?: string };
    };
    expect(pkg.license).toBe('MIT');
    expect(pkg.repository?.url).toMatch(/^git\+https:\/\//);
    expect(fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it('installs globally from the tarball into a temp prefix and runs: --version, help', () => {
    const prefix = path.join(dir, 'prefix');
    // --ignore-scripts: no native build of the SQLite driver, which --version and help never load.
    run(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        tarball,
      ],
      dir,
    );
    const cutover = path.join(prefix, 'bin', 'cutover');
    const env = { NO_COLOR: '1' };
    const version = run(cutover, ['--version'], dir, env);
    expect(version).toMatch(/^erp-cutover\/0\.1\.0 /);
    const help = run(cutover, ['help'], dir, env);
    expect(help).toMatch(/^ {2}reconcile +Compare the legacy and cloud systems/m);
    expect(run(cutover, ['help', 'reconcile'], dir, env)).toContain('$ cutover reconcile [NAME...]');
  });
});

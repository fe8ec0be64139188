// The CLI conventions of issue 13 §2 and §4, through the binary: help and did-you-mean (oclif
// plugins), CUTOVER_CONFIG, usage lines, --report parsed by oclif, report.formats in cutover.yaml.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../../helpers/cli.js';

let dir: string;
let n = 0;

/** A fresh copy of examples/quickstart (two SQLite files, one inventory mapping, one difference). */
function project(yamlExtra = ''): string {
  const d = path.join(dir, `p${n++}`);
  fs.cpSync(path.join(ROOT, 'examples', 'quickstart'), d, {
    recursive: true,
    filter: (src) => !/[\\/](\.cutover|reports)$/.test(src),
  });
  if (yamlExtra) fs.appendFileSync(path.join(d, 'cutover.yaml'), yamlExtra);
  return d;
}

/** The report files a run wrote, by name. */
function reportFiles(projectDir: string, runId: string): string[] {
  return fs.readdirSync(path.join(projectDir, 'reports', runId)).sort();
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-conventions-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('help (@oclif/plugin-help)', () => {
  it('`cutover help` lists the topics and commands', async () => {
    const r = await runCli(['help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^USAGE\n {2}\$ cutover \[COMMAND\]/m);
    for (const word of ['reconcile', 'replay', 'report', 'demo', 'exceptions', 'runs', 'rollback', 'config'])
      expect(r.stdout).toMatch(new RegExp(`^ {2}${word} +[A-Z]`, 'm'));
  });

  it('`cutover help reconcile` shows the command, its [NAME...] argument and --report options', async () => {
    const r = await runCli(['help', 'reconcile']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('$ cutover reconcile [NAME...]');
    expect(r.stdout).toMatch(/--report=<option>\.\.\./);
    expect(r.stdout).toContain('<options: xlsx|json|md|csv>');
    expect(r.stdout).toContain('[env: CUTOVER_CONFIG]');
  });

  it.each(['assign', 'resolve', 'ignore', 'reopen'])(
    'the usage line of `exceptions %s` shows the [ID...] its examples use',
    async (action) => {
      const r = await runCli(['exceptions', action, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`$ cutover exceptions ${action} [ID...]`);
      expect(r.stdout).toMatch(/ARGUMENTS\n {2}\[ID\.\.\.\] +exception ids/);
    },
  );

  it('every command summary starts with an imperative verb', async () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, { summary?: string }>;
    };
    const verbs = new Set(
      'Apply Approve Assign Build Check Compare Explain Export Ignore List Plan Prepare Re-apply Reject Reopen Resolve Show Validate Write'.split(
        ' ',
      ),
    );
    const ids = Object.keys(manifest.commands);
    expect(ids.length).toBeGreaterThanOrEqual(17);
    for (const id of ids) {
      const first = manifest.commands[id]!.summary?.split(' ')[0] ?? '';
      expect(verbs.has(first), `${id}: "${manifest.commands[id]!.summary}"`).toBe(true);
    }
  });
});

describe('a mistyped command (@oclif/plugin-not-found)', () => {
  it.each([
    [['reconcil'], 'cutover reconcile'],
    [['exceptions', 'lst'], 'cutover exceptions list'],
    [['runs', 'shwo'], 'cutover runs show'],
  ])('%j suggests %s and fails', async (args, near) => {
    const r = await runCli(args);
    expect(r.code).toBe(127);
    expect(r.stderr).toContain(`Did you mean \`${near}\`?`);
    expect(r.stderr).toMatch(/is not a cutover command/);
    expect(r.stdout).toBe('');
  });

  it('a word far from every command gets no suggestion', async () => {
    const r = await runCli(['zzzzzzzzzz']);
    expect(r.code).toBe(127);
    expect(r.stderr).not.toMatch(/Did you mean/);
  });
});

describe('shell completion (@oclif/plugin-autocomplete)', () => {
  it('`cutover autocomplete bash` prints the set-up instructions', async () => {
    const r = await runCli(['autocomplete', 'bash'], { env: { HOME: dir } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/cutover autocomplete/);
    expect(r.stdout).toMatch(/bashrc/);
  });
});

describe('--config from CUTOVER_CONFIG', () => {
  it('finds cutover.yaml through the variable from another folder', async () => {
    const p = project();
    const r = await runCli(['config', 'check', '--json'], {
      cwd: dir,
      env: { CUTOVER_CONFIG: path.join(p, 'cutover.yaml') },
    });
    expect(r.code).toBe(0);
    expect(JSON.stringify(r.json())).toContain(path.join(p, 'cutover.yaml'));
  });

  it('--config wins over the variable', async () => {
    const p = project();
    const r = await runCli(['config', 'check', '--json', '--config', path.join(p, 'cutover.yaml')], {
      cwd: dir,
      env: { CUTOVER_CONFIG: path.join(dir, 'nowhere.yaml') },
    });
    expect(r.code).toBe(0);
  });

  it('a variable naming a missing file is bad input naming it', async () => {
    const r = await runCli(['runs', 'list'], {
      cwd: dir,
      env: { CUTOVER_CONFIG: path.join(dir, 'nowhere.yaml') },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nowhere.yaml');
  });
});

describe('reconcile report formats', () => {
  it('writes the workbook and the JSON report without a flag (report.formats defaults to [xlsx, json])', async () => {
    const p = project();
    const r = await runCli(['reconcile', 'inventory', '--json'], { cwd: p });
    expect(r.code).toBe(1);
    const s = r.json<{ runId: string; reports: Record<string, string> }>();
    expect(Object.keys(s.reports).sort()).toEqual(['differences', 'json', 'xlsx']);
    expect(reportFiles(p, s.runId)).toEqual([
      'differences.jsonl',
      'reconciliation.json',
      'reconciliation.xlsx',
    ]);
  });

  it('`reconcile --all` (the nightly run) writes the formats report.formats names', async () => {
    const p = project('report: { formats: [md, csv] }\n');
    const r = await runCli(['reconcile', '--all', '--json'], { cwd: p });
    expect(r.code).toBe(1);
    // One mapping in the folder: --all prints its one summary.
    const runId = r.json<{ runId: string }>().runId;
    expect(reportFiles(p, runId)).toEqual(['differences.csv', 'differences.jsonl', 'reconciliation.md']);
  });

  it('--report overrides report.formats; repeated or comma-separated, before or after the name', async () => {
    const p = project('report: { formats: [md] }\n');
    const r = await runCli(['reconcile', '--report', 'json', '--report', 'csv,json', 'inventory', '--json'], {
      cwd: p,
    });
    expect(r.code).toBe(1);
    const s = r.json<{ runId: string }>();
    expect(reportFiles(p, s.runId)).toEqual(['differences.csv', 'differences.jsonl', 'reconciliation.json']);
  });

  it.each([
    [['--report', 'xlsx,pdf'], /Expected --report=pdf to be one of: xlsx, json, md, csv/],
    [['--report', 'XLSX'], /Expected --report=XLSX to be one of: xlsx, json, md, csv/],
    [['--report', ','], /Expected --report= to be one of/],
  ])('refuses %j (exit 2, nothing run)', async (flags, message) => {
    const p = project();
    const r = await runCli(['reconcile', 'inventory', ...flags], { cwd: p });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(p, 'reports'))).toBe(false);
  });

  it('refuses an unknown format in report.formats, naming the key (exit 2)', async () => {
    const p = project('report: { formats: [xlsx, pdf] }\n');
    const r = await runCli(['reconcile', 'inventory'], { cwd: p });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/report\.formats/);
    expect(r.stderr).toMatch(/pdf/);
    const check = await runCli(['config', 'check'], { cwd: p });
    expect(check.code).toBe(2);
    expect(check.stderr).toMatch(/report\.formats/);
  });
});

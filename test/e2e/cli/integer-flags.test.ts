// Integer flags through the binary: a value past a flag's range is bad input (exit 2) naming the
// flag, the value and the range. `--limit 99999999999999999999` used to reach SQLite as a LIMIT it
// could not bind: exit 3, "a fault in cutover", with the SQL in the message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { expectBadInput, makeProject } from '../config/project.js';

const HUGE = '99999999999999999999';
let project: ReturnType<typeof makeProject>;

beforeAll(() => {
  project = makeProject({
    'cutover.yaml': 'connections: {}\ncontrol: { url: "sqlite:.cutover/control.db" }\n',
  });
});
afterAll(() => project.cleanup());

describe('a count past its range', () => {
  it.each([
    ['runs', 'list'],
    ['exceptions', 'list'],
  ])(
    '`%s %s --limit 99999999999999999999 --json` is exit 2 with one JSON error object, no SQL',
    async (topic, command) => {
      const r = await runCli([topic, command, '--limit', HUGE, '--json'], { cwd: project.dir });
      const paragraph = expectBadInput(
        r,
        `--limit: expected an integer from 1 to 1,000,000,000 but received: ${HUGE}.`,
      );
      expect(r.json()).toEqual({ status: 'error', exitCode: 2, error: paragraph.replace(/^Error: /, '') });
      expect(r.stdout + r.stderr).not.toMatch(/select|datatype mismatch|fault in cutover/i);
    },
  );

  it('a number that is not an integer is refused the same way', async () => {
    const r = await runCli(['runs', 'list', '--limit', '1e3'], { cwd: project.dir });
    expectBadInput(r, '--limit: expected an integer from 1 to 1,000,000,000 but received: 1e3.');
  });

  it('the largest count is taken', async () => {
    const r = await runCli(['runs', 'list', '--limit', '1000000000', '--json'], { cwd: project.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toEqual({ total: 0, items: [] });
  });
});

describe('every integer flag states its range', () => {
  it.each([
    [['runs', 'list'], '--limit', '1', '1,000,000,000'],
    [['exceptions', 'list'], '--limit', '1', '1,000,000,000'],
    [['exceptions', 'export'], '--limit', '1', '1,000,000,000'],
    [['exceptions', 'assign', '--to', 'ana'], '--next', '1', '1,000,000,000'],
    [['exceptions', 'retry', 'X-000001'], '--attempts', '1', '50'],
    [['signoff', 'list'], '--limit', '1', '1,000,000,000'],
    [['reconcile', 'inventory'], '--max-differences', '1', '1,000,000,000'],
    [['reconcile', 'inventory'], '--memory', '512', '1,048,576'],
    [['replay', '--events', 'x.jsonl'], '--concurrency', '1', '256'],
    [['replay', '--events', 'x.jsonl'], '--rate', '1', '1,000,000'],
    [['replay', '--events', 'x.jsonl'], '--attempts', '1', '50'],
    [['replay', '--events', 'x.jsonl'], '--group', '1', '1,000'],
    [['replay', '--events', 'x.jsonl'], '--timeout', '100', '3,600,000'],
    [['dashboard'], '--days', '1', '3,650'],
    [['demo', '--dir', 'demo'], '--seed', '0', '4,294,967,295'],
  ])('%j %s: a huge value is refused naming the range', async (cmd, flag, min, max) => {
    const r = await runCli([...cmd, flag, HUGE], { cwd: project.dir });
    expectBadInput(r, `${flag}: expected an integer from ${min} to ${max} but received: ${HUGE}.`);
  });
});

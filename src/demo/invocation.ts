/**
 * How a person runs this very cutover from the demo folder: `cutover` when the command on their PATH
 * is this installation (npm link, npm install -g), else `node <path to bin/run.js>` — so the demo's
 * "Try next" works straight after `npm run demo`, before anything is linked.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The command line prefix that runs the cutover installed at `root`, typed from `cwd`. */
export function cliInvocation(root: string, cwd: string, pathEnv = process.env.PATH ?? ''): string {
  const bin = realpath(path.join(root, 'bin', 'run.js'));
  for (const folder of pathEnv.split(path.delimiter).filter(Boolean))
    for (const name of process.platform === 'win32' ? ['cutover.cmd', 'cutover'] : ['cutover']) {
      const candidate = realpath(path.join(folder, name));
      if (candidate && candidate === bin) return 'cutover';
    }
  const rel = path.relative(cwd, path.join(root, 'bin', 'run.js'));
  const shown = rel.startsWith('..' + path.sep + '..' + path.sep + '..')
    ? path.join(root, 'bin', 'run.js')
    : rel;
  return `node ${/[\s'"$`\\]/.test(shown) ? `'${shown.replace(/'/g, `'\\''`)}'` : shown}`;
}

function realpath(p: string): string | undefined {
  try {
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
}

// Builds only when dist/ is older than its sources: `npm run demo` after `npm ci` (whose `prepare`
// built once) starts at once, and a fresh clone or an edited source still gets a build.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = path.join(root, 'oclif.manifest.json'); // written last by `npm run build`

function newest(p) {
  let st;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const e of fs.readdirSync(p)) max = Math.max(max, newest(path.join(p, e)));
  return max;
}

const inputs = ['src', 'bench', 'tsconfig.json', 'tsconfig.build.json', 'package.json'].map((p) =>
  newest(path.join(root, p)),
);
const stamp = fs.existsSync(built) && fs.existsSync(path.join(root, 'dist')) ? fs.statSync(built).mtimeMs : 0;
if (stamp >= Math.max(...inputs)) process.exit(0);
process.stderr.write('dist/ is older than the sources: building first (npm run build)\n');
const r = spawnSync('npm', ['run', 'build'], {
  cwd: root,
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
process.exit(r.status ?? 1);

// CI/lint: the README's command reference (between <!-- commands --> and <!-- commandsstop -->) is
// what `oclif readme` generates from the built commands today; fails naming the fix when it is not.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const readme = path.join(root, 'README.md');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-readme-'));
try {
  const copy = path.join(tmp, 'README.md');
  fs.copyFileSync(readme, copy);
  const bin = (name) => path.join(root, 'node_modules', '.bin', name);
  execFileSync(bin('oclif'), ['readme', '--no-aliases', '--no-source-links', '--readme-path', copy], {
    cwd: root,
    stdio: 'pipe',
    env: { ...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: 'true' },
  });
  if (fs.readFileSync(copy, 'utf8') !== fs.readFileSync(readme, 'utf8')) {
    process.stderr.write(
      'README.md: the command reference is not what `oclif readme` generates from the commands now.\n' +
        'Run `npm run build && npm run readme` and commit README.md.\n',
    );
    process.exit(1);
  }
  process.stdout.write('README.md: the command reference is current\n');
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

/** Shared by the live dual run tests: a reconcile whose cloud side is written between its two passes. */
import { spawn } from 'node:child_process';
import { BIN } from '../../helpers/cli.js';

/**
 * Runs `reconcile` and calls `between` when the first pass is done (its log line on stderr, with
 * --debug), before the confirm pass reads again.
 */
export function reconcileBetweenPasses(
  dir: string,
  args: string[],
  between: () => Promise<void>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'reconcile', ...args, '--debug'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    let fired = false;
    let writes: Promise<void> = Promise.resolve();
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!fired && stderr.includes('waiting for the confirm pass')) {
        fired = true;
        writes = between();
      }
    });
    child.on('error', reject);
    child.on('close', (code) => writes.then(() => resolve({ code: code ?? -1, stdout, stderr }), reject));
  });
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { runCli } from '../../helpers/cli.js';

// Issue 12 item 13: a --memory budget below what the compare can hold is refused, naming the minimum.

describe('reconcile --memory', () => {
  it('refuses a budget below the minimum with exit 2, naming the minimum, before reading anything', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-mem-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'cutover.yaml'),
        'connections: {}\ncontrol: { url: "sqlite:./control.db" }\n',
      );
      // 256 MB peaked at 510-570 MB at 10M rows, over 256 + the ~200 MB fixed cost: refused.
      const res = await runCli(['reconcile', '--all', '--memory', '256'], { cwd: dir });
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/--memory: expected an integer from 512 to 1,048,576 but received: 256/);
      expect(res.stderr).not.toMatch(/\n\s+at /);
      expect(fs.existsSync(path.join(dir, 'control.db'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

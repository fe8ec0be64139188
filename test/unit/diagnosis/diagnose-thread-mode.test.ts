/**
 * The diagnosis thread asks for V8's background compiler (builtWorker's 'background'): it runs
 * after the join while a core is free; every other worker optimizes in place on few cores
 * (test/unit/util/worker-compilation.test.ts asks the isolates what each mode gives).
 */
import { describe, expect, it, vi } from 'vitest';

const asked: [string, string | undefined][] = [];
vi.mock('../../../src/util/worker-files.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../src/util/worker-files.js')>()),
  builtWorker: (name: string, compile?: string) => {
    asked.push([name, compile]);
    return undefined;
  },
}));

describe('diagnoseOnThread', () => {
  it('starts its worker in background mode', async () => {
    const { diagnoseOnThread } = await import('../../../src/diagnosis/diagnose-thread.js');
    expect(diagnoseOnThread({ runId: 'r', file: '/nowhere.jsonl', whole: true })).toBeUndefined();
    expect(asked).toEqual([['diagnosis/diagnose-worker.js', 'background']]);
  });
});

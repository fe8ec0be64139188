// A separate `cutover` process for the concurrency tests: opens the control store (migrating it on
// first use) and creates runs for one name and minute, printing the ids it got as JSON.
import { openControlStore } from '../../../src/store/control-store.js';
import { createRun } from '../../../src/store/runs.js';

const [url, countText, startAt] = process.argv.slice(2);
// Start together: every child waits for the same wall-clock moment, so first-use migrations collide.
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const store = await openControlStore(url!);
const ids: string[] = [];
try {
  for (let i = 0; i < Number(countText); i++)
    ids.push(
      await createRun(store, {
        prefix: 'r',
        command: 'reconcile',
        name: 'inventory',
        now: new Date('2026-11-26T02:00:30Z'),
      }),
    );
} finally {
  await store.close();
}
process.stdout.write(JSON.stringify(ids));

// A worker process for the concurrency tests: acts on one control store through the built core.
// usage: node queue-worker.mjs URL assign NAME COUNT ID   — COUNT reassignments of item ID
//        node queue-worker.mjs URL claim NAME BATCH       — claims BATCH at a time until none is left
import { openControlStore } from '../../../dist/src/store/control-store.js';
import { transition, claim } from '../../../dist/src/exceptions/queue.js';

const [url, mode, name, count, id] = process.argv.slice(2);
const store = await openControlStore(url);
// Both workers start acting at the same moment, whatever their start-up time.
const startAt = Number(process.env.START_AT ?? 0);
await new Promise((res) => setTimeout(res, Math.max(0, startAt - Date.now())));
try {
  const done = [];
  if (mode === 'assign') {
    for (let i = 0; i < Number(count); i++) {
      await transition(store, [id], 'assign', {
        user: name,
        assignee: `${name}-${i}`,
        note: `${name} #${i}`,
      });
      done.push(i);
    }
  } else {
    for (;;) {
      const r = await claim(store, { user: name, assignee: name, limit: Number(count) });
      if (!r.changed) break;
      done.push(...r.ids);
      await new Promise((res) => setTimeout(res, 5));
    }
  }
  process.stdout.write(JSON.stringify(done));
} finally {
  await store.close();
}

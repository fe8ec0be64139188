/**
 * The demo's second night: replay last night's captured events into the cloud ERP, reconcile the
 * mappings again, and draw the dashboard, so its trend has two nights and its replay section a run.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/load-config.js';
import type { Mapping } from '../config/mapping-schema.js';
import { loadEventsMapping } from '../config/events-schema.js';
import type { Adapter } from '../adapters/types.js';
import type { ControlStore } from '../store/control-store.js';
import { runReplay, type ReplayCounts } from '../app/run-replay.js';
import { runReconcile } from '../app/run-reconcile.js';
import { openConnection } from '../app/open-connection.js';
import type { ReconcileSummary } from '../reconcilers/types.js';
import { silentLogger } from '../util/logger.js';
import { writeDashboard } from '../dashboard/write-dashboard.js';

export interface SecondNight {
  replay: { runId: string | null; status: string; counts: ReplayCounts };
  runs: ReconcileSummary[];
  dashboard: string;
}

/** Replays `events.jsonl`, reconciles `mappings` again (JSON reports only: it stays quick) and writes `dashboard.html`. */
export async function runSecondNight(opts: {
  dir: string;
  config: LoadedConfig;
  store: ControlStore;
  mappings: Mapping[];
  logger?: Logger;
  step: (text: string) => void;
}): Promise<SecondNight> {
  const { config, store } = opts;
  const logger = opts.logger ?? silentLogger();
  opts.step("Replaying last night's events into the cloud ERP…");
  const adapters: Adapter[] = [];
  let replay;
  try {
    replay = await runReplay({
      config,
      store,
      mapping: await loadEventsMapping(path.join(config.mappingsDir, 'events.yaml'), config),
      events: path.join(opts.dir, 'events.jsonl'),
      concurrency: 8,
      attempts: 5,
      dryRun: false,
      logger,
      openAdapter: async (name) => {
        const adapter = await openConnection(config, name, logger);
        adapters.push(adapter);
        return adapter;
      },
    });
  } finally {
    for (const a of adapters) await a.close();
  }
  const runs: ReconcileSummary[] = [];
  for (const mapping of opts.mappings) {
    opts.step(`Reconciling ${mapping.name} again (the second night)…`);
    runs.push(
      await runReconcile({
        config,
        store,
        mapping,
        formats: ['json'],
        logger,
        openAdapter: (name) => openConnection(config, name, logger),
      }),
    );
  }
  const dashboard = path.join(opts.dir, 'dashboard.html');
  opts.step(`Writing ${dashboard}…`);
  await writeDashboard(store, { out: dashboard, days: 14 });
  return { replay: { runId: replay.runId, status: replay.status, counts: replay.counts }, runs, dashboard };
}

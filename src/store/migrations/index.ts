import type { Knex } from 'knex';
import * as core from './001-core.js';
import * as exceptions from './002-exceptions.js';
import * as rollback from './003-rollback.js';
import * as runLiveness from './004-run-liveness.js';
import * as causes from './005-causes.js';
import * as signoffs from './006-signoffs.js';
import * as queueFields from './007-queue-fields.js';
import * as partialCauseIndex from './008-partial-cause-index.js';
import * as differenceCauses from './009-difference-causes.js';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Versioned schema migrations, applied in order on first use; never edit one that has shipped. */
const migrations: Record<string, Migration> = {
  '001-core': core,
  '002-exceptions': exceptions,
  '003-rollback': rollback,
  '004-run-liveness': runLiveness,
  '005-causes': causes,
  '006-signoffs': signoffs,
  '007-queue-fields': queueFields,
  '008-partial-cause-index': partialCauseIndex,
  '009-difference-causes': differenceCauses,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name]!,
};

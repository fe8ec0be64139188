import type { Knex } from 'knex';
import type { WriteDriver } from '../adapters/types.js';

/** The control store: runs, differences, exceptions, audit log. SQLite for one person, PostgreSQL for a team. */
export interface ControlStore {
  readonly knex: Knex;
  /** The database's write side: transactions, row locks and the statements that differ by engine. */
  readonly db: WriteDriver;
  /** The engine, for messages. */
  readonly dialect: string;
  readonly url: string;
  close(): Promise<void>;
}

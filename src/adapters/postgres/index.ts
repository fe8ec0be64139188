import type { AdapterFactory } from '../types.js';
import { PostgresAdapter } from './pg-adapter.js';

export { PostgresAdapter, pgStringTypes } from './pg-adapter.js';
export { pgSelect, pgCopySelect } from './pg-select.js';

/** `postgres://` and `postgresql://` connections. */
export const postgresFactory: AdapterFactory = {
  schemes: ['postgres', 'postgresql'],
  create: (conn, ctx) => new PostgresAdapter(conn, ctx),
};

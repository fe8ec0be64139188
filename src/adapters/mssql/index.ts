import type { AdapterFactory } from '../types.js';
import { MssqlAdapter } from './mssql-adapter.js';

export { MssqlAdapter } from './mssql-adapter.js';
export { mssqlSelect, mssqlColumnExpr } from './mssql-select.js';
export { parseMssqlUrl } from './mssql-url.js';

/** `mssql://` connections (SQL Server through tedious). */
export const mssqlFactory: AdapterFactory = {
  schemes: ['mssql'],
  create: (conn, ctx) => new MssqlAdapter(conn, ctx),
};

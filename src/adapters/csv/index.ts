import type { AdapterFactory } from '../types.js';
import { CsvAdapter } from './csv-adapter.js';

export { CsvAdapter } from './csv-adapter.js';

/** `csv:FOLDER` connections: one `<table>.csv` per table. */
export const csvFactory: AdapterFactory = {
  schemes: ['csv'],
  create: (conn) => new CsvAdapter(conn),
};

import type { AdapterFactory } from '../types.js';
import { ConfigError } from '../../errors.js';

// PLACEHOLDER until the adapters work lands.
export const mssqlFactory: AdapterFactory = {
  schemes: ['mssql'],
  create: () => {
    throw new ConfigError('the mssql adapter is not built yet');
  },
};

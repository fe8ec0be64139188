import type { AdapterFactory } from '../types.js';
import { ConfigError } from '../../errors.js';

// PLACEHOLDER until the adapters work lands.
export const postgresFactory: AdapterFactory = {
  schemes: ['postgres', 'postgresql'],
  create: () => {
    throw new ConfigError('the postgres adapter is not built yet');
  },
};

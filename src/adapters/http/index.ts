import type { AdapterFactory } from '../types.js';
import { ConfigError } from '../../errors.js';

// PLACEHOLDER until the adapters work lands.
export const httpFactory: AdapterFactory = {
  schemes: ['http', 'https'],
  create: () => {
    throw new ConfigError('the http adapter is not built yet');
  },
};

import type { AdapterFactory } from '../types.js';
import { ConfigError } from '../../errors.js';

// PLACEHOLDER until the adapters work lands.
export const csvFactory: AdapterFactory = {
  schemes: ['csv'],
  create: () => {
    throw new ConfigError('the csv adapter is not built yet');
  },
};

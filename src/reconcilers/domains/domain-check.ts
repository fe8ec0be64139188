/** The pick of a mapping's domain check (`domain:` in a mapping). */
import type { Mapping } from '../../config/mapping-schema.js';
import type { DomainCheck } from './domain.js';
import { inventoryCheck } from './inventory.js';
import { refundsCheck } from './refunds.js';
import { postingsCheck } from './postings.js';

export type { DomainCheck };

/** The domain check of a mapping, or undefined for `custom` and no domain. */
export function domainCheckFor(mapping: Mapping): DomainCheck | undefined {
  switch (mapping.domain) {
    case 'inventory':
      return inventoryCheck(mapping);
    case 'refunds':
      return refundsCheck(mapping);
    case 'postings':
      return postingsCheck(mapping);
    default:
      return undefined;
  }
}

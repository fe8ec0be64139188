// A mapping's domain roles, without the mapping schema: the reader threads' domain checks use them,
// and a module free of zod keeps those threads from loading it (~40 ms of every reader's start-up).
import type { Mapping } from './mapping-schema.js';

/** The mapping field that plays a domain role: `roles:` says, else the field named like the role. */
export function roleField(mapping: Pick<Mapping, 'roles'>, role: string): string {
  return mapping.roles?.[role] ?? role;
}

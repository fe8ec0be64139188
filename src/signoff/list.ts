/** `signoff list`: certifications, newest first, each with its append-only history. */
import type { ControlStore } from '../store/store-types.js';
import {
  listSignoffs,
  signoffHistory,
  SIGNOFF_STATUSES,
  type SignoffHistoryEntry,
  type SignoffRecord,
  type SignoffStatus,
} from '../store/signoffs.js';
import { UsageError } from '../errors.js';

export interface CertificationItem extends SignoffRecord {
  history: SignoffHistoryEntry[];
}

export interface CertificationList {
  items: CertificationItem[];
}

/** The certifications matching the filter, newest first (at most `limit`). */
export async function listCertifications(
  store: ControlStore,
  filter: { mapping?: string; status?: string; limit?: number } = {},
): Promise<CertificationList> {
  if (filter.status && !(SIGNOFF_STATUSES as readonly string[]).includes(filter.status))
    throw new UsageError(
      `"${filter.status}" is not a sign-off status.`,
      `Use one of ${SIGNOFF_STATUSES.join(', ')}.`,
    );
  const rows = await listSignoffs(store, { ...filter, status: filter.status as SignoffStatus | undefined });
  const history = await signoffHistory(
    store,
    rows.map((r) => r.id),
  );
  return { items: rows.map((r) => ({ ...r, history: history.get(r.id) ?? [] })) };
}

/** Aging of unresolved exception items: the buckets the dashboard and the export's Aging sheet use. */

const DAY_MS = 86_400_000;

/** The aging buckets of an unresolved item, by days since it was first seen. */
export const agingBuckets = ['0–1 d', '1–3 d', '3–7 d', '> 7 d'] as const;
export type AgingBucket = (typeof agingBuckets)[number];

/** The bucket of an item first seen at `firstSeen`, measured at `now`. A bound belongs to the older bucket. */
export function agingBucket(firstSeen: string, now: Date): AgingBucket {
  const age = now.getTime() - Date.parse(firstSeen);
  if (age < 1 * DAY_MS) return '0–1 d';
  if (age < 3 * DAY_MS) return '1–3 d';
  if (age < 7 * DAY_MS) return '3–7 d';
  return '> 7 d';
}

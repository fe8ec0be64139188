/**
 * Plan and apply items for a person to read: grouped by status and event type, with the explanation
 * they share said once and each item's own detail on one short line, at most `shown` of them.
 */

/** An item of a plan or an apply: an event, what it is, and why it is not simply undone. */
export interface ItemToGroup {
  label: string;
  eventId: string;
  eventType: string;
  reason?: string;
}

/** The lines of grouped items, each group's shared paragraph once; `more` says where the rest are listed. */
export function groupItems(items: readonly ItemToGroup[], more: string, shown = 10): string[] {
  const groups = new Map<string, ItemToGroup[]>();
  for (const i of items) {
    const id = `${i.label}\u0000${i.eventType}`;
    groups.set(id, [...(groups.get(id) ?? []), i]);
  }
  const lines: string[] = [];
  for (const list of groups.values()) {
    const first = list[0]!;
    const shared = sharedExplanation(list.map((i) => i.reason ?? ''));
    lines.push(`  ${first.label} ${first.eventType} (${list.length}): ${shared || 'see each item'}`);
    for (const i of list.slice(0, shown)) {
      const own = (i.reason ?? '').slice(0, (i.reason ?? '').length - shared.length).replace(/:\s*$/, '');
      lines.push(`    ${i.eventId}${own ? ` ${own}` : ''}`);
    }
    if (list.length > shown) lines.push(`    … and ${list.length - shown} more (${more} lists every one)`);
  }
  return lines;
}

/**
 * The explanation every reason ends with ("amount 85.40: refund.issued is declared irreversible…"
 * → "refund.issued is declared irreversible…"): their common ending, cut where an item's own detail
 * ends (after ": "). One reason alone is its own explanation.
 */
function sharedExplanation(reasons: readonly string[]): string {
  const [first = '', ...rest] = reasons;
  if (rest.every((r) => r === first)) return first;
  let n = 0;
  while (
    n < first.length &&
    rest.every((r) => r.length > n && r[r.length - 1 - n] === first[first.length - 1 - n])
  )
    n++;
  const tail = first.slice(first.length - n);
  const cut = tail.indexOf(': ');
  return cut >= 0 ? tail.slice(cut + 2) : '';
}

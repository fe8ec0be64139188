import { addDecimal, formatDecimal, rescale, tryParseExact } from '../util/exact-decimal.js';
import { dict } from '../util/dict.js';
import type { RowChange } from './plan-types.js';

/**
 * The replay's net effect on each numeric column of the rows an action touches (after − before,
 * a missing row counting as 0), exact decimal text: what undoing the action takes back. Key
 * columns and values that are not plain decimals (text, timestamps, booleans) are left out.
 */
export function netAmounts(rows: RowChange[]): Record<string, string> {
  const out = dict<string>();
  for (const r of rows) {
    const cols = new Set([...Object.keys(r.expect ?? {}), ...Object.keys(r.restore ?? {})]);
    for (const c of cols) {
      if (c in r.where) continue;
      const after = r.expect ? r.expect[c] : 0;
      const before = r.restore ? r.restore[c] : 0;
      const a = tryParseExact(after ?? 0);
      const b = tryParseExact(before ?? 0);
      if (!a || !b) continue;
      const s = Math.max(a.scale, b.scale);
      const delta = rescale(a, s) - rescale(b, s);
      if (delta === 0n) continue;
      const sum = addDecimal(out[c] ?? '0', formatDecimal(delta, s));
      if (sum !== undefined) out[c] = sum;
    }
  }
  return out;
}

/** Numbers found in an event payload (top level): the amounts a person needs for a manual item. */
export function payloadAmounts(payload: unknown): Record<string, string> {
  const out = dict<string>();
  if (payload === null || typeof payload !== 'object') return out;
  for (const [k, v] of Object.entries(payload as Record<string, unknown>)) {
    if (typeof v !== 'number' && typeof v !== 'string') continue;
    const d = tryParseExact(v);
    if (d) out[k] = formatDecimal(d.units, d.scale);
  }
  return out;
}

/** Adds `amounts` into `into`, exactly. */
export function addAmounts(into: Record<string, string>, amounts: Record<string, string>): void {
  for (const [k, v] of Object.entries(amounts)) into[k] = addDecimal(into[k] ?? '0', v) ?? into[k] ?? v;
}

/**
 * The reconcile bench's mapping as an object, for the benches that drive the engine's parts
 * directly (join-bench, pack-bench): key sku + loc, three decimals and a status, `trim` on the two
 * fields a legacy `char(N)` column pads. `key` may reorder the key (pack-bench's general path).
 */
import type { Mapping } from '../src/config/mapping-schema.js';

export function benchMapping(key: string[] = ['sku', 'loc']): Mapping {
  return {
    name: 'bench_inventory',
    key,
    fields: {
      sku: { type: 'string' },
      loc: { type: 'string', trim: true },
      on_hand: { type: 'decimal', scale: 3 },
      unit_cost: { type: 'decimal', scale: 4 },
      amount: { type: 'decimal', scale: 2 },
      status: { type: 'string', trim: true },
    },
    legacy: { connection: 'legacy', table: 'legacy_inv', columns: {} },
    cloud: { connection: 'cloud', table: 'cloud_inv', columns: {} },
  } as unknown as Mapping;
}

import {
  COMPANY,
  DCS,
  INVENTORY_STATUSES,
  STORE_COUNT,
  UOM_FAULT_DC,
  cloudStore,
  legacyStore,
} from './retailer.js';
import {
  type CapturedEvent,
  type DemoContext,
  instantBeforeCutoff,
  instantLastNight,
  qtyText,
} from './demo-context.js';
import { countKey, emptyExpected, type DomainExpected, type PlantedFault } from './demo-expected.js';
import { utcText } from './local-time.js';

type LegacyStatus = keyof typeof INVENTORY_STATUSES;
type StoreRole = 'damaged' | 'adjusted' | 'transfer';

const ADJUST_REASONS = ['cycle_count', 'shrink', 'damaged_writeoff', 'found'] as const;

/**
 * Items, dimensions and balances on both sides. Planted: DC-WEST loaded into the cloud in cases
 * (every row mismatches on on_hand), store items marked damaged in legacy that the cloud still shows
 * sellable (status), and last night's adjustments, transfers in and DC receipts that are in legacy
 * but not yet in the cloud (on_hand; they are the captured events). Empty legacy balances are absent
 * from the cloud, which `absentAsZero` excuses.
 */
export function generateInventory(ctx: DemoContext): {
  expected: DomainExpected;
  events: CapturedEvent[];
  planted: PlantedFault[];
} {
  const { prng, sizes, legacy, cloud, clock } = ctx;
  const e = emptyExpected();
  const events: CapturedEvent[] = [];

  // The item master.
  const items = Array.from({ length: sizes.catalog }, (_, i) => ({
    id: String(100001 + i),
    pack: prng.pick([4, 6, 8, 12, 24]),
    cost: prng.int(150, 8000),
  }));
  const insItem = legacy.prepare('INSERT INTO INVENTTABLE VALUES (?, ?, ?, ?, ?)');
  for (const it of items) insItem.run(COMPANY, it.id, `Item ${it.id}`, it.pack, it.cost);

  // Inventory dimensions: one per (warehouse, status), created as first used.
  const dims = new Map<string, string>();
  const insDim = legacy.prepare('INSERT INTO INVENTDIM VALUES (?, ?, ?, ?, ?)');
  const dimFor = (loc: string, status: LegacyStatus): string => {
    const k = `${loc}|${status}`;
    let id = dims.get(k);
    if (!id) {
      id = `DIM${String(dims.size + 1).padStart(6, '0')}`;
      dims.set(k, id);
      insDim.run(COMPANY, id, loc.startsWith('D') ? 'DC' : 'RETAIL', loc, status);
    }
    return id;
  };

  const insSum = legacy.prepare('INSERT INTO INVENTSUM VALUES (NULL, ?, ?, ?, ?, ?, ?, ?)');
  const insBal = cloud.prepare('INSERT INTO inventory_balance VALUES (NULL, ?, ?, ?, ?, ?, ?, ?)');
  const costText = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
  const write = (
    item: (typeof items)[number],
    loc: { legacy: string; cloud: string },
    row: {
      legacyQty: number;
      cloudQty: number;
      reserved: number;
      legacyStatus: LegacyStatus;
      cloudStatus: string;
    },
    legacyUtc: number,
    cloudUtc: number,
  ) => {
    insSum.run(
      COMPANY,
      item.id,
      dimFor(loc.legacy, row.legacyStatus),
      row.legacyQty,
      row.reserved,
      row.legacyQty - row.reserved,
      clock.local(legacyUtc),
    );
    e.legacyRows++;
    if (row.legacyQty === 0 && row.reserved === 0) {
      // The cloud drops empty balances instead of storing 0: absentAsZero makes this a match.
      e.matched++;
      return;
    }
    insBal.run(
      item.id,
      loc.cloud,
      row.cloudStatus,
      qtyText(row.cloudQty),
      qtyText(row.reserved),
      costText(item.cost),
      utcText(cloudUtc),
    );
    e.cloudRows++;
  };

  // Which store rows carry a fault (store rows are enumerated store by store, item by item).
  const storeRows = STORE_COUNT * sizes.perStore;
  const chosen = prng.sample(storeRows, sizes.damagedShownSellable + sizes.adjustments + sizes.transfers);
  for (let i = chosen.length - 1; i > 0; i--) {
    const j = prng.int(0, i);
    [chosen[i], chosen[j]] = [chosen[j]!, chosen[i]!];
  }
  const roles = new Map<number, StoreRole>();
  chosen.forEach((idx, n) =>
    roles.set(
      idx,
      n < sizes.damagedShownSellable
        ? 'damaged'
        : n < sizes.damagedShownSellable + sizes.adjustments
          ? 'adjusted'
          : 'transfer',
    ),
  );

  let rowIdx = 0;
  for (let s = 1; s <= STORE_COUNT; s++) {
    const loc = { legacy: legacyStore(s), cloud: cloudStore(s) };
    const offset = prng.int(0, sizes.catalog - 1);
    for (let k = 0; k < sizes.perStore; k++, rowIdx++) {
      const item = items[(offset + k) % sizes.catalog]!;
      const role = roles.get(rowIdx);
      const updated = instantBeforeCutoff(ctx);
      if (role === 'adjusted' || role === 'transfer') {
        const cloudQty = prng.int(6, 30);
        const reason = prng.pick(ADJUST_REASONS);
        const delta =
          role === 'transfer'
            ? prng.int(6, 24)
            : reason === 'shrink' || reason === 'damaged_writeoff'
              ? -prng.int(1, 3)
              : reason === 'found'
                ? prng.int(1, 3)
                : prng.pick([-5, -4, -3, -2, -1, 1, 2, 3, 4, 5]);
        const at = instantLastNight(ctx);
        write(
          item,
          loc,
          {
            legacyQty: cloudQty + delta,
            cloudQty,
            reserved: 0,
            legacyStatus: 'Avail',
            cloudStatus: 'sellable',
          },
          at,
          updated,
        );
        countKey(e, ['on_hand']);
        events.push({
          id: '',
          type: role === 'transfer' ? 'transfer.received' : 'inventory.adjusted',
          key: `${item.id}@${loc.cloud}`,
          occurredAt: utcText(at),
          payload:
            role === 'transfer'
              ? {
                  sku: item.id,
                  location: loc.cloud,
                  delta: qtyText(delta),
                  from: DCS[0].cloud,
                  transferId: `TO-${String(prng.int(100000, 999999))}`,
                }
              : { sku: item.id, location: loc.cloud, delta: qtyText(delta), reason },
        });
        continue;
      }
      if (role === 'damaged') {
        const qty = prng.int(1, 12);
        write(
          item,
          loc,
          { legacyQty: qty, cloudQty: qty, reserved: 0, legacyStatus: 'Damaged', cloudStatus: 'sellable' },
          updated,
          updated,
        );
        countKey(e, ['status']);
        continue;
      }
      const empty = prng.chance(0.02);
      const qty = empty ? 0 : prng.int(1, 40);
      const reserved = qty > 0 && prng.chance(0.15) ? prng.int(1, Math.min(3, qty)) : 0;
      const r = prng.next();
      const status: LegacyStatus = empty ? 'Avail' : r < 0.01 ? 'Damaged' : r < 0.015 ? 'QI' : 'Avail';
      write(
        item,
        loc,
        {
          legacyQty: qty,
          cloudQty: qty,
          reserved,
          legacyStatus: status,
          cloudStatus: INVENTORY_STATUSES[status],
        },
        updated,
        updated,
      );
      if (!empty) countKey(e, []);
    }
  }

  // The DCs: every item, counted in cases in legacy and in eaches in the cloud, except at DC-WEST.
  const receipts = new Set(prng.sample(sizes.catalog, sizes.receipts));
  for (const dc of DCS) {
    const uomFault = dc.legacy === UOM_FAULT_DC.legacy;
    items.forEach((item, i) => {
      const updated = instantBeforeCutoff(ctx);
      const cases = prng.int(1, 400);
      if (dc.legacy === DCS[0].legacy && receipts.has(i)) {
        const received = prng.int(2, 30);
        const at = instantLastNight(ctx);
        write(
          item,
          dc,
          {
            legacyQty: cases + received,
            cloudQty: cases * item.pack,
            reserved: 0,
            legacyStatus: 'Avail',
            cloudStatus: 'sellable',
          },
          at,
          updated,
        );
        countKey(e, ['on_hand']);
        events.push({
          id: '',
          type: 'receipt.posted',
          key: `${item.id}@${dc.cloud}`,
          occurredAt: utcText(at),
          payload: {
            sku: item.id,
            location: dc.cloud,
            delta: qtyText(received * item.pack),
            poNumber: `PO-${String(prng.int(400000, 499999))}`,
          },
        });
        return;
      }
      write(
        item,
        dc,
        {
          legacyQty: cases,
          cloudQty: uomFault ? cases : cases * item.pack,
          reserved: 0,
          legacyStatus: 'Avail',
          cloudStatus: 'sellable',
        },
        updated,
        updated,
      );
      countKey(e, uomFault ? ['on_hand'] : []);
    });
  }

  // The diagnosis sees the cases left unconverted as one factor per pack size: cloud = legacy ÷ pack.
  const packs = new Map<number, number>();
  for (const item of items) packs.set(item.pack, (packs.get(item.pack) ?? 0) + 1);
  const uomCauses = [...packs.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([pack, count]) => ({
      kind: 'unit_factor',
      field: 'on_hand',
      count,
      evidence: { divisor: String(pack) },
      where: { location: UOM_FAULT_DC.cloud },
    }));
  const adjusted = events.filter((x) => x.type === 'inventory.adjusted').length;
  const transfers = events.filter((x) => x.type === 'transfer.received').length;
  const planted: PlantedFault[] = [
    {
      domain: 'inventory',
      fault: `unit-of-measure conversion missing for ${UOM_FAULT_DC.cloud}: the cloud holds its balances in cases, not eaches`,
      rows: sizes.catalog,
      shows: 'mismatch on on_hand',
      reported: true,
      detail: { location: UOM_FAULT_DC.cloud },
      causes: uomCauses,
    },
    {
      domain: 'inventory',
      fault: 'items a store marked damaged that the cloud still shows sellable',
      rows: sizes.damagedShownSellable,
      shows: 'mismatch on status',
      reported: true,
      causes: [
        {
          kind: 'code_substitution',
          field: 'status',
          count: sizes.damagedShownSellable,
          evidence: { legacy: 'damaged', cloud: 'sellable' },
        },
      ],
    },
    {
      domain: 'inventory',
      fault:
        "last night's adjustments, transfers in and DC receipts not yet in the cloud (batch lag; in events.jsonl)",
      rows: adjusted + transfers + receipts.size,
      shows: 'mismatch on on_hand',
      reported: true,
      detail: { adjustments: adjusted, transfers, receipts: receipts.size },
      causes: [
        {
          kind: 'batch_lag',
          field: 'updated_at',
          count: adjusted + transfers + receipts.size,
          evidence: { side: 'legacy' },
        },
      ],
    },
  ];
  return { expected: e, events, planted };
}

/**
 * The demo retailer: an East Coast specialty chain with 300 stores, two distribution centres, a web
 * shop and marketplaces. Codes on each side, status and account charts, and the sizes at a scale.
 * The mappings in mappings/demo/ translate exactly these codes: change one, change the other.
 */

/** Where every store, and the legacy ERP's clock, lives. */
export const RETAILER_ZONE = 'America/New_York';
/** The legacy ERP's company (AX `DATAAREAID`). */
export const COMPANY = 'usrt';
export const STORE_COUNT = 300;

/** The 30 business days the demo covers, in local dates; the last one is "last night". */
export const FIRST_DAY = '2026-10-27';
export const DAYS = 30;
/** Last night's cloud batch ran at this local hour: legacy refunds after it have not reached the cloud. */
export const BATCH_CUTOFF_HOUR = 21;

export const DCS = [
  { legacy: 'D01', cloud: 'DC-EAST' },
  { legacy: 'D02', cloud: 'DC-WEST' },
] as const;
/** The DC whose cases-to-eaches conversion the cloud migration forgot. */
export const UOM_FAULT_DC = DCS[1];

/** `S042`: the legacy store code. */
export const legacyStore = (n: number): string => `S${String(n).padStart(3, '0')}`;
/** `STORE-0042`: the cloud location code. */
export const cloudStore = (n: number): string => `STORE-${String(n).padStart(4, '0')}`;

export const CHANNELS = [
  { legacy: 'S', cloud: 'store', location: null },
  { legacy: 'W', cloud: 'web', location: { legacy: 'WEB', cloud: 'WEB-SHOP' } },
  { legacy: 'M', cloud: 'marketplace', location: { legacy: 'MKT', cloud: 'MARKETPLACE' } },
] as const;

export const INVENTORY_STATUSES = {
  Avail: 'sellable',
  Damaged: 'damaged',
  QI: 'quarantine',
  Blocked: 'blocked',
} as const;

export const REFUND_STATUSES = {
  AUTH: 'authorized',
  RECV: 'received',
  INSP: 'inspected',
  RFND: 'refunded',
  HOLD: 'on_hold',
  CANC: 'cancelled',
} as const;
/** A legacy status added in 2025 ("refunded as store credit") that nobody put in the mapping. */
export const UNMAPPED_REFUND_STATUS = 'RFSC';

export const REFUND_REASONS = {
  DMG: 'damaged',
  SIZE: 'wrong_size',
  NAD: 'not_as_described',
  LATE: 'late_delivery',
  CHG: 'changed_mind',
} as const;

/** The chart of accounts redesign: legacy 4-digit main accounts to the cloud's 6-digit ones. */
export const ACCOUNTS = {
  '1000': '101000', // bank
  '1100': '110100', // cash and card clearing
  '1120': '112000', // marketplace receivable
  '1400': '140000', // inventory
  '2100': '210000', // goods received not invoiced
  '2200': '220100', // sales tax payable
  '4000': '400000', // sales
  '4100': '410000', // sales returns
  '5000': '500000', // cost of goods sold
  '6100': '610000', // marketplace fees
  '6110': '611000', // marketplace advertising
  '7900': '790000', // rounding differences
} as const;

/** How many of everything at a scale; `--scale 10` gives about a million inventory rows. */
export function demoSizes(scale: number) {
  const s = (n: number, min = 1) => Math.max(min, Math.round(n * scale));
  const perStore = Math.max(10, Math.round(100 * scale ** 1.5));
  const catalog = Math.max(400, perStore * 2);
  return {
    perStore,
    catalog,
    refunds: s(3000, 100),
    journals: s(1000, 50),
    damagedShownSellable: s(37),
    adjustments: s(40),
    transfers: s(30),
    receipts: Math.min(s(20), catalog),
    lateRefunds: s(24),
    roundingRefunds: s(40),
    unmappedStatusRefunds: s(18),
    shiftedStores: 9,
  };
}
export type DemoSizes = ReturnType<typeof demoSizes>;

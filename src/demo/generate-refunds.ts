import {
  CHANNELS,
  COMPANY,
  DAYS,
  REFUND_REASONS,
  REFUND_STATUSES,
  STORE_COUNT,
  UNMAPPED_REFUND_STATUS,
  cloudStore,
  legacyStore,
} from './retailer.js';
import { type CapturedEvent, type DemoContext, centsText, instantLastNight } from './demo-context.js';
import { countKey, emptyExpected, type DomainExpected, type PlantedFault } from './demo-expected.js';
import { naiveText, utcText } from './local-time.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const TAX_BASIS_POINTS = [400, 600, 625, 663, 700, 800, 888];
const STATUS_WEIGHTS: [keyof typeof REFUND_STATUSES, number][] = [
  ['RFND', 0.85],
  ['HOLD', 0.04],
  ['CANC', 0.03],
  ['AUTH', 0.03],
  ['RECV', 0.03],
  ['INSP', 0.02],
];

/**
 * Refunds on both sides. Planted: stores whose integration sent local time as if it were UTC
 * (refunded_at), last night's refunds the batch has not carried yet (missing in the cloud; they are
 * the refund.issued events), refunds whose status code has no mapping (status), and one-cent tax
 * rounding differences that the 0.01 tolerance must absorb (not reported).
 */
export function generateRefunds(ctx: DemoContext): {
  expected: DomainExpected;
  events: CapturedEvent[];
  planted: PlantedFault[];
} {
  const { prng, sizes, legacy, cloud, clock } = ctx;
  const e = emptyExpected();
  const events: CapturedEvent[] = [];
  const insLegacy = legacy.prepare('INSERT INTO RETAILREFUND VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const insCloud = cloud.prepare('INSERT INTO refunds VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');

  const shiftedStores = new Set(prng.sample(STORE_COUNT, sizes.shiftedStores).map((i) => i + 1));
  const special = prng.sample(sizes.refunds, sizes.roundingRefunds + sizes.unmappedStatusRefunds);
  const rounding = new Set(special.slice(0, sizes.roundingRefunds));
  const unmapped = new Set(special.slice(sizes.roundingRefunds));
  let shifted = 0;
  // Shifted rows per offset (seconds), and the offsets of rows both shifted and of the unmapped code.
  const shifts = new Map<number, number>();
  const both: number[] = [];

  const total = sizes.refunds + sizes.lateRefunds;
  for (let i = 0; i < total; i++) {
    const late = i >= sizes.refunds;
    const r = prng.next();
    const channel = late ? prng.pick(CHANNELS) : r < 0.8 ? CHANNELS[0] : r < 0.95 ? CHANNELS[1] : CHANNELS[2];
    const store = prng.int(1, STORE_COUNT);
    const loc = channel.location ?? { legacy: legacyStore(store), cloud: cloudStore(store) };
    let at: number;
    if (late) at = instantLastNight(ctx);
    else {
      // Stores refund in opening hours; web and marketplace from 6:00 (never the DST fall-back hour).
      const day = prng.int(0, DAYS - 1);
      const hour = channel.location ? prng.int(6, 20) : prng.int(10, 20);
      at = clock.fromLocal(ctx.firstDayWall + day * DAY + hour * HOUR + prng.int(0, 3599) * 1000);
    }
    const net = prng.int(500, 25000);
    const tax = Math.floor((net * prng.pick(TAX_BASIS_POINTS) + 5000) / 10000);
    let legacyStatus: string = weighted(prng.next());
    let cloudStatus: string = REFUND_STATUSES[legacyStatus as keyof typeof REFUND_STATUSES];
    if (late) [legacyStatus, cloudStatus] = ['RFND', 'refunded'];
    if (unmapped.has(i)) [legacyStatus, cloudStatus] = [UNMAPPED_REFUND_STATUS, 'refunded'];
    const reason = prng.pick(Object.keys(REFUND_REASONS)) as keyof typeof REFUND_REASONS;
    const id = `RF${String(20_000_001 + i)}`;
    const rma = `RMA${String(prng.int(1_000_000, 9_999_999))}`;
    const local = clock.local(at);
    insLegacy.run(
      COMPANY,
      id,
      rma,
      loc.legacy,
      channel.legacy,
      'USD',
      net + tax,
      tax,
      legacyStatus,
      reason,
      local,
    );
    e.legacyRows++;
    if (late) {
      e.missingInCloud++;
      events.push({
        id: '',
        type: 'refund.issued',
        key: id,
        occurredAt: utcText(at),
        payload: {
          refundId: id,
          rmaNumber: rma,
          location: loc.cloud,
          channel: channel.cloud,
          currency: 'USD',
          amount: centsText(net + tax),
          tax: centsText(tax),
          reason: REFUND_REASONS[reason],
        },
      });
      continue;
    }
    // The cloud computed tax per line: a cent either way on the rounding refunds.
    const cent = rounding.has(i) ? prng.pick([-1, 1]) : 0;
    const isShifted = channel === CHANNELS[0] && shiftedStores.has(store);
    // Shifted: the store-local wall clock stored as if it were UTC.
    const refundedAt = isShifted ? local.replace(' ', 'T') + 'Z' : utcText(at);
    insCloud.run(
      id,
      rma,
      loc.cloud,
      channel.cloud,
      'USD',
      centsText(net + tax + cent),
      centsText(tax + cent),
      cloudStatus,
      REFUND_REASONS[reason],
      refundedAt,
    );
    e.cloudRows++;
    const differing: string[] = [];
    if (isShifted) {
      differing.push('refunded_at');
      shifted++;
      const seconds = clock.offsetAt(at) / 1000;
      shifts.set(seconds, (shifts.get(seconds) ?? 0) + 1);
      if (legacyStatus === UNMAPPED_REFUND_STATUS) both.push(seconds);
    }
    if (legacyStatus === UNMAPPED_REFUND_STATUS) differing.push('status');
    countKey(e, differing);
  }

  // A row with both faults is one difference: the diagnosis gives it to the cause with more rows.
  const timeCauses = new Map(shifts);
  let unmappedRows = unmapped.size;
  for (const seconds of both)
    if ((shifts.get(seconds) ?? 0) >= unmapped.size) unmappedRows--;
    else timeCauses.set(seconds, timeCauses.get(seconds)! - 1);
  const planted: PlantedFault[] = [
    {
      domain: 'refunds',
      fault: `refund times shifted by the store's UTC offset: ${sizes.shiftedStores} stores sent local time as if it were UTC`,
      rows: shifted,
      shows: 'mismatch on refunded_at',
      reported: true,
      detail: { stores: [...shiftedStores].sort((a, b) => a - b).map(cloudStore) },
      // One cause per UTC offset the stores had (standard and daylight time).
      causes: [...timeCauses.entries()]
        .filter(([, count]) => count > 0)
        .sort((a, b) => a[0] - b[0])
        .map(([seconds, count]) => ({
          kind: 'time_shift',
          field: 'refunded_at',
          count,
          evidence: { seconds: String(seconds) },
        })),
    },
    {
      domain: 'refunds',
      fault: "last night's refunds not yet in the cloud (batch lag; in events.jsonl)",
      rows: sizes.lateRefunds,
      shows: 'missing_in_cloud',
      reported: true,
      detail: { after: naiveText(ctx.cutoffUtc + clock.offsetAt(ctx.cutoffUtc)) + ' local' },
      causes: [
        { kind: 'batch_lag', field: 'refunded_at', count: sizes.lateRefunds, evidence: { side: 'legacy' } },
      ],
    },
    {
      domain: 'refunds',
      fault: `status code ${UNMAPPED_REFUND_STATUS} (refunded as store credit) has no entry in the status map`,
      rows: unmapped.size,
      shows: 'mismatch on status',
      reported: true,
      causes: [
        {
          kind: 'code_substitution',
          field: 'status',
          count: unmappedRows,
          evidence: { legacy: UNMAPPED_REFUND_STATUS, cloud: 'refunded' },
        },
      ],
    },
    {
      domain: 'refunds',
      fault: 'one-cent tax rounding differences, inside the 0.01 tolerance',
      rows: rounding.size,
      shows: 'nothing: a match',
      reported: false,
    },
  ];
  return { expected: e, events, planted };
}

function weighted(r: number): keyof typeof REFUND_STATUSES {
  let acc = 0;
  for (const [s, w] of STATUS_WEIGHTS) {
    acc += w;
    if (r < acc) return s;
  }
  return 'RFND';
}

/**
 * The diagnosis on generated runs: random differences with planted causes of random parameters
 * (factors, offsets, codes, subsets) plus noise. Every planted cause must come back with its exact
 * count and parameters (and its region when it was confined to one); the noise stays unexplained.
 */
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../src/diagnosis/diagnose.js';
import type { Difference } from '../../../src/reconcilers/types.js';

/** mulberry32: a small seeded generator, so a failing seed can be replayed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)]!;
  return { next, int, pick };
}

/** Exact decimal text of units at a scale (test oracle, BigInt only). */
function fmt(u: bigint, scale: number): string {
  const neg = u < 0n;
  let s = (neg ? -u : u).toString().padStart(scale + 1, '0');
  if (scale) s = `${s.slice(0, -scale)}.${s.slice(-scale)}`;
  return neg ? `-${s}` : s;
}

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1);
const SPAN = 30 * DAY;
const iso = (ms: number) => new Date(ms).toISOString();

interface Planted {
  kind: string;
  field?: string;
  count: number;
  evidence: Record<string, string>;
  where?: Record<string, string>;
}

function generate(seed: number): { diffs: Difference[]; planted: Planted[]; noise: number } {
  const r = prng(seed);
  const diffs: Difference[] = [];
  let id = 0;
  const row = (region: string, early = false) => {
    const k = `K${String(++id).padStart(6, '0')}`;
    // Rows changed over the whole period; rows missing by chance (noise) only in its first 80%.
    const updated = iso(T0 + r.int(0, early ? Math.floor(SPAN * 0.8) : SPAN));
    return {
      key: { id: k },
      base: {
        id: k,
        region,
        qty: fmt(BigInt(r.int(1000, 9_999_999)), 3),
        amount: fmt(BigInt(r.int(100_000, 999_999)), 2),
        status: 'OPEN',
        name: `Item ${id}`,
        posted_at: iso(T0 + r.int(0, SPAN)),
        updated_at: updated,
      } as Record<string, string | null>,
    };
  };
  const other = () => r.pick(['EAST', 'WEST']);
  const mismatch = (
    region: string,
    field: string,
    cloudValue: (legacy: string) => string | null,
    legacyValue?: string | null,
  ) => {
    const { key, base } = row(region);
    const legacy = { ...base };
    if (legacyValue !== undefined) legacy[field] = legacyValue;
    const cloud = { ...legacy, [field]: cloudValue(legacy[field]!) };
    const delta = (() => {
      const l = legacy[field];
      const c = cloud[field];
      if (l === null || c === null || l === undefined || c === undefined) return null;
      if (field === 'posted_at') return String(Date.parse(c) - Date.parse(l));
      return undefined;
    })();
    diffs.push({
      type: 'mismatch',
      key,
      fields: {
        [field]: { legacy: legacy[field]!, cloud: cloud[field]!, ...(delta !== undefined ? { delta } : {}) },
      },
      legacy,
      cloud,
    });
  };
  const planted: Planted[] = [];
  const kinds = [
    'unit_factor',
    'time_shift',
    'code_substitution',
    'batch_lag',
    'duplicate_posting',
    'sign_flip',
    'rounding',
    'padding_or_case',
    'null_vs_zero',
  ];
  for (const kind of kinds) {
    if (r.next() < 0.25) continue; // each run plants a random subset
    switch (kind) {
      case 'unit_factor': {
        const [factor, units, scale] = r.pick([
          ['12', 12n, 0],
          ['24', 24n, 0],
          ['1000', 1000n, 0],
          ['0.5', 5n, 1],
          ['2.5', 25n, 1],
        ] as const);
        const count = r.int(5, 40);
        for (let i = 0; i < count; i++)
          mismatch(
            'NORTH',
            'qty',
            (l) => fmt((BigInt(l.replace('.', '')) * units) / 10n ** BigInt(scale), 3),
            `${r.int(1, 99_999)}.000`,
          );
        planted.push({ kind, field: 'qty', count, evidence: { factor }, where: { region: 'NORTH' } });
        break;
      }
      case 'time_shift': {
        const seconds = r.pick([3600, -3600, -18000, 7200, 1800, 19800]);
        const count = r.int(5, 40);
        for (let i = 0; i < count; i++)
          mismatch('SOUTH', 'posted_at', (l) => iso(Date.parse(l) + seconds * 1000));
        planted.push({
          kind,
          field: 'posted_at',
          count,
          evidence: { seconds: String(seconds) },
          where: { region: 'SOUTH' },
        });
        break;
      }
      case 'code_substitution': {
        const legacy = `L${r.int(10, 99)}`;
        const cloud = `c_${r.int(100, 999)}`;
        const count = r.int(2, 30);
        for (let i = 0; i < count; i++) mismatch(other(), 'status', () => cloud, legacy);
        planted.push({ kind, field: 'status', count, evidence: { legacy, cloud } });
        break;
      }
      case 'batch_lag': {
        // Rows written in the last hours of the span, not yet in the cloud.
        const after = T0 + SPAN - r.int(2, 20) * 3_600_000;
        const count = r.int(3, 30);
        const times = Array.from({ length: count }, () => after + r.int(0, T0 + SPAN - after));
        times[0] = after;
        for (const t of times) {
          const { key, base } = row(other());
          diffs.push({
            type: 'missing_in_cloud',
            key,
            legacy: { ...base, posted_at: base.updated_at!, updated_at: iso(t) },
          });
        }
        planted.push({
          kind,
          field: 'updated_at',
          count,
          evidence: { field: 'updated_at', after: iso(after), side: 'legacy' },
        });
        break;
      }
      case 'duplicate_posting': {
        const count = r.int(1, 5);
        for (let i = 0; i < count; i++) {
          const { key, base } = row(other());
          diffs.push({ type: 'duplicate_key', key, side: 'cloud', count: 2, cloud: base });
        }
        planted.push({ kind, count, evidence: { side: 'cloud' } });
        break;
      }
      case 'sign_flip': {
        const count = r.int(1, 10);
        for (let i = 0; i < count; i++)
          mismatch(other(), 'amount', (l) => fmt(-BigInt(l.replace('.', '')), 2));
        planted.push({ kind, field: 'amount', count, evidence: {} });
        break;
      }
      case 'rounding': {
        const count = r.int(1, 10);
        for (let i = 0; i < count; i++)
          mismatch(other(), 'amount', (l) =>
            fmt(BigInt(l.replace('.', '')) + (r.next() < 0.5 ? 1n : -1n), 2),
          );
        planted.push({ kind, field: 'amount', count, evidence: { maxDelta: '0.01' } });
        break;
      }
      case 'padding_or_case': {
        const count = r.int(1, 10);
        for (let i = 0; i < count; i++) mismatch(other(), 'name', (l) => `${l}  `);
        planted.push({ kind, field: 'name', count, evidence: { transform: 'trim' } });
        break;
      }
      case 'null_vs_zero': {
        const count = r.int(1, 10);
        for (let i = 0; i < count; i++) mismatch(other(), 'amount', () => '0.00', null);
        planted.push({ kind, field: 'amount', count, evidence: { nullSide: 'legacy' } });
        break;
      }
    }
  }
  // Noise: amounts that differ by chance, codes seen once, rows missing early in the span.
  const noise = r.int(5, 40);
  for (let i = 0; i < noise; i++) {
    const n = r.int(0, 2);
    if (n === 0) mismatch(other(), 'amount', () => fmt(BigInt(r.int(100_000, 999_999)), 2));
    else if (n === 1) mismatch(other(), 'status', () => `noise_${i}`, `N${i}`);
    else {
      const { key, base } = row(other(), true);
      diffs.push({ type: 'missing_in_cloud', key, legacy: { ...base, posted_at: base.updated_at! } });
    }
  }
  // Run order is not cause order.
  for (let i = diffs.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [diffs[i], diffs[j]] = [diffs[j]!, diffs[i]!];
  }
  return { diffs, planted, noise };
}

async function run(diffs: Difference[], reuseMax?: number) {
  return diagnose({
    runId: 'r_test',
    ...(reuseMax === undefined ? {} : { reuseMax }),
    measureFields: new Set(['qty', 'amount']),
    moneyFields: new Set(['amount']),
    source: async function* () {
      for (const [i, diff] of diffs.entries()) yield { seq: i + 1, diff };
    },
  });
}

describe('diagnose: generated runs with planted causes and noise', () => {
  for (let seed = 1; seed <= 60; seed++)
    it(`seed ${seed}: every planted cause with its exact count and parameters, the noise unexplained`, async () => {
      const { diffs, planted, noise } = generate(seed);
      const { diagnosis, members } = await run(diffs);
      expect(diagnosis.differences).toBe(diffs.length);
      expect(diagnosis.unexplained).toBe(noise);
      expect(diagnosis.causes).toHaveLength(planted.length);
      for (const p of planted) {
        const found = diagnosis.causes.find((c) => c.kind === p.kind && c.field === p.field);
        expect(found, `${p.kind} planted ${JSON.stringify(p)}`).toBeDefined();
        expect(found!.count, p.kind).toBe(p.count);
        expect(found!.evidence, p.kind).toMatchObject(p.evidence);
        if (p.where) expect(found!.where, p.kind).toEqual(p.where);
        expect(found!.sampleKeys.length).toBe(Math.min(5, p.count));
      }
      // Ordered by count; each difference in at most one cause.
      const counts = diagnosis.causes.map((c) => c.count);
      expect(counts).toEqual([...counts].sort((a, b) => b - a));
      const seqs = members.flat();
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(seqs.length).toBe(diagnosis.explained);
      members.forEach((m, i) => expect(m.length).toBe(diagnosis.causes[i]!.count));
      // The same whether the passes after the first reuse its work, none of it (a run too large to
      // keep it), or drop it part-way.
      expect(await run(diffs, 0)).toEqual({ diagnosis, members });
      expect(await run(diffs, Math.floor(diffs.length / 2))).toEqual({ diagnosis, members });
    });

  it('measures the impact exactly: a ×12 factor on quantities sums cloud − legacy as decimals', async () => {
    const legacy = ['1.001', '2.002', '3.003'];
    const diffs: Difference[] = legacy.map((l, i) => {
      const c = fmt(BigInt(l.replace('.', '')) * 12n, 3);
      return {
        type: 'mismatch',
        key: { id: `K${i}` },
        fields: {
          qty: {
            legacy: l,
            cloud: c,
            delta: fmt(BigInt(c.replace('.', '')) - BigInt(l.replace('.', '')), 3),
          },
        },
        legacy: { id: `K${i}`, qty: l },
        cloud: { id: `K${i}`, qty: c },
      };
    });
    const { diagnosis } = await run(diffs);
    expect(diagnosis.causes).toHaveLength(1);
    expect(diagnosis.causes[0]).toMatchObject({
      kind: 'unit_factor',
      field: 'qty',
      count: 3,
      share: '1.0000',
      evidence: { factor: '12' },
      impact: { field: 'qty', quantity: '66.066' },
      confidence: 'medium',
      suggestion: "legacy.columns.qty: { multiply: '12' }",
    });
  });

  it('a code that maps to two different cloud codes is not a substitution', async () => {
    const diffs: Difference[] = ['a', 'a', 'b', 'b'].map((c, i) => ({
      type: 'mismatch',
      key: { id: `K${i}` },
      fields: { status: { legacy: 'X1', cloud: c } },
      legacy: { id: `K${i}`, status: 'X1' },
      cloud: { id: `K${i}`, status: c },
    }));
    const { diagnosis } = await run(diffs);
    expect(diagnosis.causes).toEqual([]);
    expect(diagnosis.unexplained).toBe(4);
  });

  it('works out again what the first pass found before the last key field was seen', async () => {
    // The first difference's fee is not (yet) a key field: alone it is a rounding line. Every later
    // difference has fee in its key, so by the end fee is a key field, and no difference is a
    // rounding line: the first pass's candidate for the first difference must not be reused.
    const diffs: Difference[] = [
      { type: 'missing_in_cloud', key: { id: 'A' }, legacy: { id: 'A', fee: '0.01' } },
      ...['B', 'C', 'D'].map((id): Difference => ({
        type: 'missing_in_cloud',
        key: { id, fee: '0.01' },
        legacy: { id, fee: '0.01' },
      })),
    ];
    const { diagnosis } = await run(diffs);
    expect(diagnosis.causes).toEqual([]);
    expect(diagnosis.unexplained).toBe(4);
    expect(await run(diffs, 0)).toEqual(await run(diffs));
  });

  it('works out again what a later pass meets in another order (a source that changed between passes)', async () => {
    // The first pass sees the run without its first difference (still being stored); the passes
    // after it see it whole: the work kept by position must not be reused for other differences.
    const { diffs } = generate(7);
    const changing = (reuseMax?: number) => {
      let pass = 0;
      return diagnose({
        runId: 'r_test',
        measureFields: new Set(['qty', 'amount']),
        moneyFields: new Set(['amount']),
        ...(reuseMax === undefined ? {} : { reuseMax }),
        source: async function* () {
          const from = pass++ === 0 ? 1 : 0;
          for (let i = from; i < diffs.length; i++) yield { seq: i + 1, diff: diffs[i]! };
        },
      });
    };
    const worked = await changing();
    expect(worked).toEqual(await changing(0));
    expect(worked.diagnosis.causes.length).toBeGreaterThan(0);
  });
});

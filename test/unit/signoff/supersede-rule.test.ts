// The supersede rule at its boundaries, exactly (docs/signoff.md "What supersedes a certification").
import { describe, expect, it } from 'vitest';
import { supersedeReason, type RunFigures } from '../../../src/signoff/supersede-rule.js';

const run = (
  absDifference: string,
  extra: Partial<RunFigures> = {},
  bounds: { amount?: string; share?: string } = { amount: '0.51' },
): RunFigures => ({
  runId: 'r2',
  status: 'differences',
  materiality: { ...bounds, absDifference, material: false, total: { legacy: '204.000' } },
  ...extra,
});

describe('supersedeReason with materiality', () => {
  it('a move of exactly the amount does not supersede; one ten-thousandth more does', () => {
    const certified = run('0.100');
    expect(supersedeReason(certified, run('0.610'))).toBeUndefined();
    expect(supersedeReason(certified, run('0.6101'))).toMatch(
      /moved from 0\.1 to 0\.6101 \(by 0\.5101, more than 0\.51\)/,
    );
    // Down as well as up.
    expect(supersedeReason(run('0.6'), run('0.09'))).toBeUndefined();
    expect(supersedeReason(run('0.6'), run('0.0899'))).toMatch(/moved/);
  });

  it('no float rounding: 0.1 + 0.2 style figures compare exactly', () => {
    // 0.3 − 0.1 is 0.2 exactly, not 0.19999999999999998: with amount 0.2 it stays.
    expect(
      supersedeReason(run('0.1', {}, { amount: '0.2' }), run('0.3', {}, { amount: '0.2' })),
    ).toBeUndefined();
    expect(
      supersedeReason(run('0.1', {}, { amount: '0.2' }), run('0.30000000000000001', {}, { amount: '0.2' })),
    ).toMatch(/moved/);
  });

  it('a later run NOT within materiality, or stopped, always supersedes', () => {
    const later = run('0.2');
    later.materiality!.material = true;
    expect(supersedeReason(run('0.2'), later)).toMatch(/NOT within materiality/);
    expect(supersedeReason(run('0.2'), { ...run('0.2'), status: 'stopped' })).toMatch(/stopped/);
  });

  it('with only a share, the allowed move is share × |legacy total|', () => {
    const share = { share: '0.0025' }; // × 204.000 = 0.51
    expect(supersedeReason(run('0', {}, share), run('0.510', {}, share))).toBeUndefined();
    expect(supersedeReason(run('0', {}, share), run('0.511', {}, share))).toMatch(/more than 0\.51/);
  });
});

describe('supersedeReason without materiality', () => {
  const plain = (mismatched: number, abs: string): RunFigures => ({
    runId: 'r2',
    status: mismatched ? 'differences' : 'clean',
    counts: { mismatched, missingInCloud: 0 },
    totalsSummary: [{ group: 'grand total', field: 'on_hand', absDifference: abs }],
  });

  it('the same figures stand; any change in counts or absolute differences supersedes', () => {
    expect(supersedeReason(plain(1, '1.000'), plain(1, '1.0'))).toBeUndefined();
    expect(supersedeReason(plain(1, '1.000'), plain(2, '1.000'))).toMatch(/mismatched 1 → 2/);
    expect(supersedeReason(plain(1, '1.000'), plain(1, '1.001'))).toMatch(
      /on_hand absolute difference 1 → 1\.001/,
    );
  });
});

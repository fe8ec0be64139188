// Domain roles (issue 13 §6): a mapping says which of its fields plays each role of its domain
// (`roles: { on_hand: qty, location: store }`) instead of renaming its fields to the role names.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../../helpers/cli.js';

let dir: string;

/** The quickstart's inventory mapping with its fields named qty, store and cost, and `roles` (if given). */
function renamed(roles: string): string {
  return `name: inventory
domain: inventory
${roles}
key: [sku, store]
fields:
  sku: { type: string, trim: true, case: upper }
  store: { type: string }
  qty: { type: decimal, scale: 3 }
  cost: { type: decimal, scale: 4, tolerance: "0.005" }
  updated_at: { type: timestamp, tolerance: 1s, compare: false }
window: { field: updated_at }
legacy:
  connection: legacy
  table: INVENTSUM
  columns:
    sku: ITEMID
    store: { column: INVENTLOCATIONID, map: { "01": DC-EAST, "02": DC-WEST } }
    qty: { column: PHYSICALINVENT, multiply: 12 }
    cost: COSTPRICE
    updated_at: { column: MODIFIEDDATETIME, timezone: America/New_York }
cloud:
  connection: cloud
  table: inventory_balance
  columns: { sku: sku, store: location_code, qty: qty_on_hand, cost: unit_cost, updated_at: updated_at }
totals:
  - { by: [store], sum: [qty] }
  - { sum: [qty], value: [qty, cost] }
`;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-roles-'));
  fs.cpSync(path.join(ROOT, 'examples', 'quickstart'), dir, {
    recursive: true,
    filter: (src) => !/[\\/](\.cutover|reports)$/.test(src),
  });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('roles: in a mapping', () => {
  it('gives the domain its fields by role: the same figures as fields named after the roles', async () => {
    const plain = await runCli(['reconcile', 'inventory', '--report', 'json', '--json'], { cwd: dir });
    expect(plain.code, plain.stderr).toBe(1);
    const want = plain.json<{
      totals: { group: string; legacy: string; cloud: string; difference: string }[];
      checks: Record<string, unknown>;
    }>();

    fs.writeFileSync(
      path.join(dir, 'mappings', 'inventory.yaml'),
      renamed('roles: { on_hand: qty, location: store, unit_cost: cost }'),
    );
    const r = await runCli(['reconcile', 'inventory', '--report', 'json', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    const got = r.json<typeof want>();
    // The totals are the domain's, over the user's fields: same figures, the user's field names.
    expect(got.totals.map((t) => [t.group, t.legacy, t.cloud, t.difference])).toEqual(
      want.totals.map((t) => [
        t.group
          .replace(/on_hand/g, 'qty')
          .replace(/location/g, 'store')
          .replace(/unit_cost/g, 'cost'),
        t.legacy,
        t.cloud,
        t.difference,
      ]),
    );
    expect(got.checks).toEqual(want.checks);
    expect(JSON.stringify(got.totals)).toContain('"store"');
  });

  it('without roles, a renamed field is named as missing, and the hint shows roles:', async () => {
    fs.writeFileSync(path.join(dir, 'mappings', 'inventory.yaml'), renamed(''));
    const r = await runCli(['config', 'check'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the inventory domain needs the fields `location`, `on_hand`/);
    expect(r.stderr).toMatch(/roles: \{ location: your_field \}/);
  });

  it('refuses a role the domain does not have and a field that is not declared (exit 2)', async () => {
    fs.writeFileSync(
      path.join(dir, 'mappings', 'inventory.yaml'),
      renamed('roles: { on_hnd: qty, location: stor }'),
    );
    const r = await runCli(['config', 'check'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"on_hnd" is not a role of the inventory domain. Did you mean "on_hand"\?/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

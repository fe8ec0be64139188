import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

/** The folder of the project folders a test file makes, removed once its tests are done. */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-replay-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A temp folder with cutover.yaml and mappings/events.yaml for a replay test. */
export function makeProject(connections: Record<string, string>, eventsYaml: string): string {
  const dir = fs.mkdtempSync(path.join(tmp, 'project-'));
  fs.mkdirSync(path.join(dir, 'mappings'));
  fs.writeFileSync(
    path.join(dir, 'cutover.yaml'),
    `connections:\n${Object.entries(connections)
      .map(([k, v]) => `  ${k}: ${v}`)
      .join('\n')}\ncontrol: { url: "sqlite:./control.db" }\n`,
  );
  fs.writeFileSync(path.join(dir, 'mappings', 'events.yaml'), eventsYaml);
  return dir;
}

export interface Ev {
  id: string;
  type: string;
  key: string;
  occurredAt: string;
  payload: Record<string, unknown>;
}

/** Writes events as JSON Lines (extra raw lines may be spliced in). */
export function writeEvents(dir: string, events: (Ev | string)[], name = 'events.jsonl'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(
    file,
    events.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))).join('\n') + '\n',
  );
  return file;
}

/** An ISO timestamp `n` seconds after a fixed night. */
export function at(n: number): string {
  return new Date(Date.UTC(2026, 10, 25, 22, 0, 0) + n * 1000).toISOString();
}

export const INVENTORY_MAPPING = `name: events
target: cloud
events:
  inventory.adjusted:
    table: inventory_balance
    action: increment
    match: { sku: $.payload.sku, location_code: $.payload.location }
    values: { qty_on_hand: $.payload.delta }
  inventory.counted:
    table: inventory_balance
    action: upsert
    match: { sku: $.payload.sku, location_code: $.payload.location }
    values: { qty_on_hand: $.payload.qty, last_event: $.id }
  inventory.noted:
    table: inventory_balance
    action: update
    match: { sku: $.payload.sku, location_code: $.payload.location }
    values: { last_event: $.id }
  refund.issued:
    table: refunds
    action: insert
    values: { refund_id: $.payload.refundId, amount: $.payload.amount, refunded_at: $.occurredAt }
    irreversible: true
  item.deleted:
    table: inventory_balance
    action: delete
    match: { sku: $.payload.sku, location_code: $.payload.location }
`;

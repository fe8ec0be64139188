// Rebuilds legacy.db and cloud.db for the quick start (run from anywhere: node examples/quickstart/make-db.mjs).
// One planted difference: A-102 at DC-WEST has 1 each less in the cloud.
import fs from 'node:fs';
import process from 'node:process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const dir = path.dirname(fileURLToPath(import.meta.url));
const make = (name, sql) => {
  const file = path.join(dir, name);
  fs.rmSync(file, { force: true });
  const db = new Database(file);
  db.exec(sql);
  db.close();
};
make(
  'legacy.db',
  `CREATE TABLE INVENTSUM (ITEMID TEXT, INVENTLOCATIONID TEXT, PHYSICALINVENT NUMERIC, COSTPRICE NUMERIC, MODIFIEDDATETIME TEXT);
   INSERT INTO INVENTSUM VALUES ('a-100 ', '01', 10, 2.5, '2026-11-25 21:00:00'),
                                ('A-101', '01', 4, 7.25, '2026-11-25 21:05:00'),
                                ('A-102', '02', 3, 12.0, '2026-11-25 21:10:00');`,
);
make(
  'cloud.db',
  `CREATE TABLE inventory_balance (sku TEXT, location_code TEXT, qty_on_hand NUMERIC, unit_cost NUMERIC, updated_at TEXT);
   INSERT INTO inventory_balance VALUES ('A-100', 'DC-EAST', 120, 2.5, '2026-11-26 02:00:00'),
                                        ('A-101', 'DC-EAST', 48, 7.25, '2026-11-26 02:05:00'),
                                        ('A-102', 'DC-WEST', 35, 12.0, '2026-11-26 02:10:00');`,
);
process.stdout.write(`wrote ${path.join(dir, 'legacy.db')} and ${path.join(dir, 'cloud.db')}\n`);

/**
 * The two databases' shapes. Legacy: an on-premise ERP in the style of Dynamics AX 2012 (upper-case
 * names, DATAAREAID on every table, integer cents, cases at the DCs, naive local times). Cloud: a
 * modern ERP (snake_case, exact decimals stored as TEXT since SQLite has no decimal type, eaches,
 * UTC ISO timestamps). Indexes come after the bulk load.
 */
export const LEGACY_TABLES = [
  `CREATE TABLE INVENTTABLE (
     DATAAREAID TEXT NOT NULL, ITEMID TEXT NOT NULL, ITEMNAME TEXT NOT NULL,
     CASEPACKQTY INTEGER NOT NULL,           -- eaches per case: DC balances are counted in cases
     COSTPRICE INTEGER NOT NULL,             -- standard cost per each, in cents
     PRIMARY KEY (DATAAREAID, ITEMID))`,
  `CREATE TABLE INVENTDIM (
     DATAAREAID TEXT NOT NULL, INVENTDIMID TEXT NOT NULL,
     INVENTSITEID TEXT NOT NULL, INVENTLOCATIONID TEXT NOT NULL, INVENTSTATUSID TEXT NOT NULL,
     PRIMARY KEY (DATAAREAID, INVENTDIMID))`,
  `CREATE TABLE INVENTSUM (
     RECID INTEGER PRIMARY KEY, DATAAREAID TEXT NOT NULL, ITEMID TEXT NOT NULL, INVENTDIMID TEXT NOT NULL,
     PHYSICALINVENT INTEGER NOT NULL,        -- eaches at stores, cases at DCs
     RESERVPHYSICAL INTEGER NOT NULL, AVAILPHYSICAL INTEGER NOT NULL,
     MODIFIEDDATETIME TEXT NOT NULL)          -- store-local wall clock, no zone`,
  `CREATE TABLE RETAILREFUND (
     DATAAREAID TEXT NOT NULL, REFUNDID TEXT NOT NULL, RMANUM TEXT NOT NULL,
     STOREID TEXT NOT NULL, CHANNEL TEXT NOT NULL, CURRENCYCODE TEXT NOT NULL,
     AMOUNTCENTS INTEGER NOT NULL, TAXCENTS INTEGER NOT NULL,   -- tax-inclusive amount, in cents
     STATUS TEXT NOT NULL, REASONCODE TEXT NOT NULL,
     CREATEDDATETIME TEXT NOT NULL,                              -- store-local wall clock, no zone
     PRIMARY KEY (DATAAREAID, REFUNDID))`,
  `CREATE TABLE LEDGERJOURNALTRANS (
     DATAAREAID TEXT NOT NULL, JOURNALNUM TEXT NOT NULL, LINENUM INTEGER NOT NULL,
     ACCOUNTNUM TEXT NOT NULL, TRANSDATE TEXT NOT NULL,
     AMOUNTMST INTEGER NOT NULL,             -- unsigned, in cents; the side is in DRCR
     DRCR TEXT NOT NULL,                     -- D debit, C credit
     TXT TEXT NOT NULL,
     PRIMARY KEY (DATAAREAID, JOURNALNUM, LINENUM))`,
];
export const LEGACY_INDEXES = [
  'CREATE INDEX I_INVENTSUM_ITEMDIM ON INVENTSUM (DATAAREAID, ITEMID, INVENTDIMID)',
];

export const CLOUD_TABLES = [
  `CREATE TABLE inventory_balance (
     id INTEGER PRIMARY KEY, sku TEXT NOT NULL, location_code TEXT NOT NULL, status TEXT NOT NULL,
     qty_on_hand TEXT NOT NULL, qty_reserved TEXT NOT NULL DEFAULT '0.000',   -- eaches, exact decimal text
     unit_cost TEXT NOT NULL DEFAULT '0.0000', updated_at TEXT NOT NULL)     -- UTC ISO 8601`,
  `CREATE TABLE refunds (
     refund_id TEXT PRIMARY KEY, rma_number TEXT, location_code TEXT, channel TEXT,
     currency TEXT NOT NULL DEFAULT 'USD', amount TEXT NOT NULL, tax_amount TEXT,
     status TEXT NOT NULL, reason_code TEXT, refunded_at TEXT NOT NULL)`,
  // No unique key on (journal_id, line_no): which is how a retried integration posted a journal twice.
  `CREATE TABLE journal_lines (
     id INTEGER PRIMARY KEY, journal_id TEXT NOT NULL, line_no INTEGER NOT NULL, account_code TEXT NOT NULL,
     posting_date TEXT NOT NULL, debit TEXT NOT NULL, credit TEXT NOT NULL, balance TEXT NOT NULL,
     label TEXT)`,
];
export const CLOUD_INDEXES = [
  'CREATE UNIQUE INDEX ux_inventory_balance_sku_location ON inventory_balance (sku, location_code)',
  'CREATE INDEX ix_journal_lines_journal ON journal_lines (journal_id, line_no)',
];

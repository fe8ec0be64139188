/**
 * What an adapter is opened with and asked for, defined here (not in src/config) so the adapters
 * depend on nothing above them: config validates cutover.yaml and mappings into these shapes.
 */

/** The encodings a csv connection takes (`encoding:` in cutover.yaml), by the names users write. */
export const CSV_ENCODINGS = [
  'utf-8',
  'utf8',
  'latin1',
  'iso-8859-1',
  'windows-1252',
  'cp1252',
  'utf-16le',
] as const;
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

/** The canonical field types of a mapping: what a source column is read and compared as. */
export const fieldTypes = ['string', 'integer', 'decimal', 'boolean', 'date', 'timestamp'] as const;
export type FieldType = (typeof fieldTypes)[number];

/** A connection of cutover.yaml, validated, with its name. */
export interface ConnectionConfig {
  name: string;
  url: string;
  readOnly?: boolean;
  headers?: Record<string, string>;
  /** Default time zone for naive timestamps read from this connection (IANA name). */
  timezone?: string;
  /** CSV folders: the encoding of the extracts. */
  encoding?: CsvEncoding;
  /** Milliseconds to wait when connecting (1 to MAX_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs?: number;
}

/**
 * The longest wait when connecting, ms (10 minutes): the drivers time it with setTimeout, which takes
 * a 32-bit delay and fires at once (1 ms) past it, so a larger value turned into no wait at all.
 */
export const MAX_CONNECT_TIMEOUT_MS = 600_000;

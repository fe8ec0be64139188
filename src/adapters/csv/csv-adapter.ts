import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { CastingContext } from 'csv-parse';
import type { Adapter, ConnectionInfo, RawValue, ReadRequest } from '../types.js';
import type { ConnectionConfig } from '../settings.js';
import { ConnectionError, CutoverError, DataError, MappingError } from '../../errors.js';
import { suggest } from '../../util/suggest.js';
import { parseTimestampText } from './text-timestamp.js';
import { InvalidTextError, openText, type CsvEncoding } from './decode-text.js';

/**
 * csv-parse, loaded when a CSV file is first read: a run with no CSV connection does not pay for it
 * (its modules took 20–120 ms of every reconcile's start-up, the adapter registry being loaded whole).
 */
let csvParse: typeof import('csv-parse') | undefined;
async function parser(): Promise<(typeof import('csv-parse'))['parse']> {
  return (csvParse ??= await import('csv-parse')).parse;
}

/** An empty unquoted field is NULL; a quoted "" is the empty string. */
const nullUnquotedEmpty = (value: string, context: CastingContext): string | null =>
  value === '' && !context.quoting ? null : value;

/**
 * A folder of CSV extracts, one `<table>.csv` per table (header row, RFC 4180, UTF-8 with or
 * without BOM, or the connection's `encoding:`). Always read-only: cutover never writes it. No SQL: `where`/`query` are refused,
 * and a --since/--until window is applied here on the column's timestamp text.
 */
export class CsvAdapter implements Adapter {
  readonly dialect = 'csv' as const;
  readonly readOnly = true;
  readonly name: string;
  readonly folder: string;
  private readonly encoding: CsvEncoding;

  constructor(conn: ConnectionConfig) {
    this.name = conn.name;
    this.encoding = conn.encoding ?? 'utf-8';
    this.folder = conn.url.replace(/^csv:(\/\/)?/i, '') || '.';
  }

  async connect(): Promise<void> {
    const stat = await fsp.stat(this.folder).catch(() => undefined);
    if (!stat?.isDirectory()) {
      throw new ConnectionError(
        `Connection "${this.name}": the CSV folder ${this.folder} ${stat ? 'is not a folder' : 'does not exist'}.`,
        'Point its url at the folder that holds the <table>.csv files (csv:./extracts; relative to cutover.yaml).',
      );
    }
  }

  async info(): Promise<ConnectionInfo> {
    const t0 = performance.now();
    await fsp.stat(this.folder);
    return { dialect: 'csv', serverVersion: 'CSV folder', latencyMs: performance.now() - t0, readOnly: true };
  }

  /** A folder on this machine: its clock is this one. */
  async clock(): Promise<Date> {
    return new Date();
  }

  /** Not SQL: a CSV file is read as it is. */
  describeRead(): undefined {
    return undefined;
  }

  async *read(req: ReadRequest): AsyncIterable<RawValue[][]> {
    this.refuseSql(req);
    const file = await this.fileOf(req.table!);
    const size = req.batchSize ?? 5000;
    const parse = await parser();
    const text = openText(file, this.encoding);
    const records = text.pipe(parse({ bom: true, cast: nullUnquotedEmpty, skip_empty_lines: true }));
    text.on('error', (err) => records.destroy(err));
    let indexes: number[] | undefined;
    let windowAt = -1;
    let since = -Infinity;
    let until = Infinity;
    let batch: RawValue[][] = [];
    let line = 1;
    // A key-set read: the tuples as one string each (JSON: unambiguous for composite keys).
    const wanted = req.keys ? new Set(req.keys.values.map((t) => JSON.stringify(t))) : undefined;
    let keyAt: number[] = [];
    try {
      for await (const record of records as AsyncIterable<(string | null)[]>) {
        line++;
        if (!indexes) {
          const header = record.map((h) => h ?? '');
          indexes = req.columns.map((c) => this.columnIndex(header, c, file));
          if (req.window) {
            windowAt = this.columnIndex(header, req.window.column, file);
            since = req.window.since?.getTime() ?? -Infinity;
            until = req.window.until?.getTime() ?? Infinity;
          }
          if (req.keys) keyAt = req.keys.columns.map((c) => this.columnIndex(header, c, file));
          continue;
        }
        if (wanted && !wanted.has(JSON.stringify(keyAt.map((i) => record[i] ?? null)))) continue;
        if (windowAt >= 0) {
          const v = record[windowAt];
          if (v === null || v === undefined) continue;
          const t = parseTimestampText(v, req.window!.timezone);
          if (t === undefined) {
            throw new DataError(
              `Connection "${this.name}": ${file} line ${line - 1}: "${v}" in column ${req.window!.column} is not a timestamp.`,
              'The window column must hold ISO timestamps (2024-03-01 10:00:00, optionally with Z or +02:00).',
            );
          }
          if (t < since || t >= until) continue;
        }
        batch.push(indexes.map((i) => record[i] ?? null));
        if (batch.length >= size) {
          yield batch;
          batch = [];
        }
      }
    } catch (err) {
      if (err instanceof CutoverError) throw err;
      if (err instanceof InvalidTextError) throw this.invalidText(file, err);
      throw new DataError(
        `Connection "${this.name}": cannot read ${file}: ${(err as Error).message}.`,
        'Check that the file is UTF-8 CSV with a header row and RFC 4180 quoting ("" inside quoted fields).',
        { cause: err },
      );
    } finally {
      records.destroy();
    }
    if (batch.length) yield batch;
  }

  async checkColumns(req: Pick<ReadRequest, 'table' | 'query' | 'columns'>): Promise<void> {
    this.refuseSql(req);
    const file = await this.fileOf(req.table!);
    const header = await this.header(file);
    for (const c of req.columns) this.columnIndex(header, c, file);
  }

  async close(): Promise<void> {}

  private refuseSql(req: Pick<ReadRequest, 'table' | 'query'> & { where?: string }): void {
    if (req.query || req.where) {
      throw new MappingError(
        `Connection "${this.name}" is a CSV folder (${this.folder}): a ${req.query ? 'query' : 'where'} is not supported on CSV.`,
        'Use table: <file name without .csv> and filter on the other side, or load the extract into SQLite and map that.',
      );
    }
    if (!req.table)
      throw new MappingError(`Connection "${this.name}": a CSV read needs a table (the file name).`);
  }

  /** The file for a table; a missing one names the folder and the files that are there. */
  private async fileOf(table: string): Promise<string> {
    if (/[\\/]|^\.\.?$/.test(table)) {
      throw new MappingError(
        `Connection "${this.name}": the CSV table "${table}" is not a plain file name.`,
        `Name a file directly inside ${this.folder}, without folders or .csv.`,
      );
    }
    const file = path.join(this.folder, `${table}.csv`);
    if (fs.existsSync(file)) return file;
    const tables = (await fsp.readdir(this.folder))
      .filter((f) => f.toLowerCase().endsWith('.csv'))
      .map((f) => f.slice(0, -4));
    const near = suggest(table, tables);
    throw new DataError(
      `Connection "${this.name}": the table ${table} does not exist: there is no file ${table}.csv in the folder ${this.folder}.`,
      near
        ? `Did you mean "${near}"?`
        : tables.length
          ? `The folder has: ${tables.join(', ')}.`
          : 'The folder has no .csv files; export the extract there as <table>.csv.',
    );
  }

  private invalidText(file: string, err: InvalidTextError): DataError {
    const declared = this.encoding === 'utf-8' || this.encoding === 'utf8';
    return new DataError(
      `Connection "${this.name}": ${file} line ${err.line} holds bytes that are not valid ${err.encoding}${declared ? ' (the default encoding)' : ''}; nothing was read as a replacement character.`,
      declared
        ? 'Declare the encoding the extract was written in on the connection in cutover.yaml (encoding: windows-1252, latin1 or utf-16le), or export it again as UTF-8.'
        : `Check the encoding: declared on the connection in cutover.yaml (one of utf-8, latin1, windows-1252, utf-16le), or export the extract again in ${err.encoding}.`,
      { cause: err },
    );
  }

  /**
   * Where a column the read needs is in the header. A name the header repeats is refused when it is
   * read (either column could be the one meant; the first was taken silently); a repeated column no
   * mapping reads is left alone (exports often repeat empty or unused headings).
   */
  private columnIndex(header: string[], column: string, file: string): number {
    const i = header.indexOf(column);
    const at = header.flatMap((h, k) => (h === column ? [k + 1] : []));
    if (at.length > 1) {
      const where = `${at.slice(0, -1).join(', ')} and ${at[at.length - 1]}`;
      throw new DataError(
        `Connection "${this.name}": the header of ${file} names the column ${column || '""'} ${at.length === 2 ? 'twice' : `${at.length} times`} (columns ${where}), and the mapping reads it: cutover cannot tell which one is meant.`,
        'Rename the repeated columns in the header row so each name is unique (amount_net, amount_gross), then map the one meant; or export the extract again with distinct column names.',
      );
    }
    if (i >= 0) return i;
    const near = suggest(column, header);
    throw new DataError(
      `Connection "${this.name}": the column ${column} does not exist in ${file} (its header has: ${header.join(', ')}).`,
      near
        ? `Did you mean "${near}"? Column names are case-sensitive.`
        : 'Check the column names in the mapping against the header row.',
    );
  }

  private async header(file: string): Promise<string[]> {
    const parse = await parser();
    const text = openText(file, this.encoding);
    const records = text.pipe(parse({ bom: true, to: 1 }));
    text.on('error', (err) => records.destroy(err));
    try {
      for await (const record of records as AsyncIterable<string[]>) return record;
    } catch (err) {
      if (err instanceof InvalidTextError) throw this.invalidText(file, err);
      throw err;
    } finally {
      records.destroy();
    }
    throw new DataError(`Connection "${this.name}": ${file} is empty.`, 'A CSV extract needs a header row.');
  }
}

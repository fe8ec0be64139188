import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { UsageError, DataError } from '../errors.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { Adapter } from '../adapters/types.js';

/** One record as the source hands it over: its line (or row) number and the event as JSON text. */
export interface SourceRecord {
  line: number;
  /** The event as JSON text (a file line, or a table row re-encoded). */
  text: string;
}

/** What a run remembers of its source, so `--resume` refuses a different one. */
export type SourceIdentity =
  | { kind: 'file'; path: string; size: number; sha256First1MB: string }
  | { kind: 'table'; connection: string; table: string };

/** A parsed SOURCE argument: a JSON Lines file, or CONNECTION:TABLE (an outbox table). */
export type SourceSpec =
  { kind: 'file'; path: string } | { kind: 'table'; connection: string; table: string };

/** Tells a file from CONNECTION:TABLE: an existing file or a .jsonl name is a file; NAME:TABLE with a known connection is a table. */
export function parseSourceSpec(spec: string, config: LoadedConfig, cwd = process.cwd()): SourceSpec {
  const file = path.resolve(cwd, spec);
  if (fs.existsSync(file) || /\.jsonl(\.gz)?$/i.test(spec)) {
    if (!fs.existsSync(file))
      throw new UsageError(`The events file ${file} does not exist.`, 'Check the path given to --events.');
    if (fs.statSync(file).isDirectory())
      throw new UsageError(
        `--events ${spec} is a folder; replay reads one file of events.`,
        'Give the .jsonl or .jsonl.gz file inside it (one event per line), or CONNECTION:TABLE for an outbox table.',
      );
    return { kind: 'file', path: file };
  }
  const m = /^([A-Za-z_][\w-]*):(.+)$/.exec(spec);
  if (m && config.connections[m[1]!]) return { kind: 'table', connection: m[1]!, table: m[2]! };
  throw new UsageError(
    `--events ${spec} is neither an existing .jsonl/.jsonl.gz file nor CONNECTION:TABLE with a connection from ${config.file}.`,
    `Give a file path, or one of ${Object.keys(config.connections)
      .map((c) => `${c}:TABLE`)
      .join(', ')}.`,
  );
}

/** The identity of a source: a file's path, size and the SHA-256 of its first MB; a table's name. */
export async function sourceIdentity(spec: SourceSpec): Promise<SourceIdentity> {
  if (spec.kind === 'table') return spec;
  const stat = await fs.promises.stat(spec.path);
  const hash = createHash('sha256');
  const fd = await fs.promises.open(spec.path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(stat.size, 1024 * 1024));
    await fd.read(buf, 0, buf.length, 0);
    hash.update(buf);
  } finally {
    await fd.close();
  }
  return { kind: 'file', path: spec.path, size: stat.size, sha256First1MB: hash.digest('hex') };
}

/** Streams a .jsonl or .jsonl.gz file line by line, keeping line numbers; blank lines are skipped. */
export async function* readJsonLines(file: string): AsyncIterable<SourceRecord> {
  for await (const batch of readJsonLineBatches(file)) yield* batch;
}

const EOL = /\r\n|\n|\r/g;

/**
 * The lines of a .jsonl or .jsonl.gz file, a chunk (about 1 MB) at a time: line numbers as an editor
 * shows them (CRLF, LF and a lone CR each end a line, as readline counts them), blank lines skipped.
 * Handing over whole chunks keeps the per-line cost to the JSON parse itself.
 */
export async function* readJsonLineBatches(file: string): AsyncIterable<SourceRecord[]> {
  let input: NodeJS.ReadableStream = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  // pipeline, not pipe: the file's error (a folder, a file that went away) reaches the stream the
  // loop below reads, never an unhandled 'error'; and a loop that stops early closes the file too.
  if (/\.gz$/i.test(file))
    input = pipeline(input, zlib.createGunzip({ chunkSize: 1 << 20 }), () => undefined);
  input.setEncoding('utf8');
  let line = 0;
  let rest = '';
  const cut = (text: string, final: boolean): SourceRecord[] => {
    const out: SourceRecord[] = [];
    let start = 0;
    EOL.lastIndex = 0;
    for (let m = EOL.exec(text); m; m = EOL.exec(text)) {
      // A CR that ends the chunk may be the first half of a CRLF split across chunks.
      if (!final && m[0] === '\r' && m.index === text.length - 1) break;
      line++;
      const s = text.slice(start, m.index);
      if (s.trim()) out.push({ line, text: s });
      start = m.index + m[0].length;
    }
    rest = text.slice(start);
    if (final && rest) {
      line++;
      if (rest.trim()) out.push({ line, text: rest });
      rest = '';
    }
    return out;
  };
  let first = true;
  try {
    for await (const chunk of input) {
      let text = chunk as string;
      // A byte-order mark (Windows tools write one) is not part of the first event.
      if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
      const batch = cut(rest + text, false);
      if (batch.length) yield batch;
    }
    const last = cut(rest, true);
    if (last.length) yield last;
  } catch (err) {
    throw new DataError(
      `Cannot read the events file ${file} after line ${line}: ${(err as Error).message}.`,
      'Check that the file is JSON Lines (gzip-compressed when it ends in .gz) and not truncated.',
      { cause: err },
    );
  }
}

/** Reads an outbox table (id, type, key, occurredAt or occurred_at, payload) through its adapter. */
export async function* readOutboxTable(adapter: Adapter, table: string): AsyncIterable<SourceRecord> {
  let when = 'occurredAt';
  try {
    await adapter.checkColumns({ table, columns: ['id', 'type', 'key', when, 'payload'] });
  } catch {
    when = 'occurred_at';
    await adapter.checkColumns({ table, columns: ['id', 'type', 'key', when, 'payload'] });
  }
  let row = 0;
  for await (const batch of adapter.read({ table, columns: ['id', 'type', 'key', when, 'payload'] })) {
    for (const [id, type, key, at, payload] of batch) {
      row++;
      const payloadValue = typeof payload === 'string' ? safeJson(payload) : payload;
      yield {
        line: row,
        text: JSON.stringify({
          id: typeof id === 'bigint' ? id.toString() : id,
          type,
          key: typeof key === 'bigint' ? key.toString() : key,
          occurredAt: at instanceof Date ? at.toISOString() : typeof at === 'string' ? isoFromSql(at) : at,
          payload: payloadValue,
        }),
      };
    }
  }
}

/** `2026-11-25 22:00:00.5+00` (a database's text form of a timestamptz) → ISO 8601 `2026-11-25T22:00:00.5+00:00`. */
export function isoFromSql(text: string): string {
  return text.replace(/^(\d{4}-\d{2}-\d{2}) (\d)/, '$1T$2').replace(/([+-]\d{2})$/, '$1:00');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

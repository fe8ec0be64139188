/**
 * Whatever a source raises (a driver's error, a file system error, a CSV parser's) is the user's
 * environment, not a fault in cutover: it becomes a DataError (exit 2) naming the connection and the
 * fix. Only JavaScript's own programming errors (TypeError and its kind) stay faults (exit 3).
 */
import { CutoverError, DataError } from '../errors.js';
import { redact } from '../util/redact.js';
import { driverWords } from './db-errors.js';
import type { Adapter, ReadRequest } from './types.js';

const PROGRAMMING = [TypeError, ReferenceError, RangeError, SyntaxError, EvalError];

/** A source's error as a DataError; CutoverErrors and programming errors pass unchanged. */
export function sourceError(adapter: Pick<Adapter, 'name'>, err: unknown, what: string): unknown {
  if (err instanceof CutoverError) return err;
  if (PROGRAMMING.some((C) => err instanceof C && err.constructor === C)) return err;
  const code = (err as { code?: unknown } | undefined)?.code;
  return new DataError(
    `Connection "${adapter.name}" failed while ${what}: ${redact(driverWords(err, typeof code === 'string' ? code : undefined))}.`,
    "The source raised this error, not cutover: check the mapping's query, where, table and column names against the data (a function applied to a value it cannot take, a column of another type), and that the source is readable; `cutover config check --connect` tries each mapping without reading all rows.",
    { cause: err },
  );
}

/** Wraps an adapter's reading methods so every source error leaves them as a DataError. */
export function guardAdapter<A extends Adapter>(adapter: A): A {
  const read = adapter.read.bind(adapter);
  const checkColumns = adapter.checkColumns.bind(adapter);
  const info = adapter.info.bind(adapter);
  adapter.read = async function* (req: ReadRequest) {
    try {
      yield* read(req);
    } catch (err) {
      throw sourceError(adapter, err, `reading ${req.table ?? 'its query'}`);
    }
  };
  const readLines = adapter.readLines?.bind(adapter);
  if (readLines)
    adapter.readLines = (req: ReadRequest) => {
      const { chunks, parse } = readLines(req);
      const what = `reading ${req.table ?? 'its query'}`;
      return {
        parse: (line) => {
          try {
            return parse(line);
          } catch (err) {
            throw sourceError(adapter, err, what);
          }
        },
        chunks: (async function* () {
          try {
            yield* chunks;
          } catch (err) {
            throw sourceError(adapter, err, what);
          }
        })(),
      };
    };
  adapter.checkColumns = async (req) => {
    try {
      await checkColumns(req);
    } catch (err) {
      throw sourceError(adapter, err, `checking ${req.table ?? 'its query'}`);
    }
  };
  adapter.info = async () => {
    try {
      return await info();
    } catch (err) {
      throw sourceError(adapter, err, 'asking for its version');
    }
  };
  return adapter;
}

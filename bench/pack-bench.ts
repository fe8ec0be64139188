/**
 * Packing text lines alone: `npm run bench:pack -- [--rows N] [--runs K]`. Makes N COPY text lines
 * shaped as the reconcile bench's legacy table prints them (sku, a `char(8)` location padded with
 * spaces, `numeric(18,3)`, `numeric(19,4)`, `numeric(18,2)`, a `char(12)` status), in 64 KB
 * chunks as a reader thread receives them, and times `RowPacker.addLine` on every line on this one
 * thread, batches of 5,000 taken as a reader takes them: once with the mapping's key in its
 * columns' order (the one pass, `addInOrder`) and once with it reversed (the general path, which
 * finds every column's bounds first). Prints each run's CPU per line, then the best of each and
 * their ratio. A reader runs once, so the first run (V8 not warm yet) is the one a run pays; the
 * best is what the code costs.
 */
import { parseArgs } from 'node:util';
import type { Mapping } from '../src/config/mapping-schema.js';
import { benchMapping } from './bench-mapping.js';
import { buildNormalizer } from '../src/reconcilers/normalize.js';
import { BatchBuffers, RowPacker } from '../src/reconcilers/parallel-pack.js';
import { benchArgs, wholeNumber } from './bench-args.js';

const USAGE = `Usage: npm run bench:pack -- [--rows N] [--runs K]

  --rows N    COPY text lines to pack (default 1000000)
  --runs K    times each path is timed (default 5)
  -h, --help  this text`;

const { values } = benchArgs(USAGE, () =>
  parseArgs({
    options: {
      rows: { type: 'string', default: '1000000' },
      runs: { type: 'string', default: '5' },
    },
  }),
);
const N = wholeNumber(USAGE, '--rows', values.rows);
const RUNS = wholeNumber(USAGE, '--runs', values.runs);

const STATUSES = ['sellable', 'blocked', 'quarantine'];

/** Line i as PostgreSQL's COPY text prints the bench's legacy row. */
function line(i: number): string {
  const loc = `DC_${i % 97}`.padEnd(8, ' ');
  const status = STATUSES[i % 3]!.padEnd(12, ' ');
  const onHand = `${i % 1000}.${String(i % 8).padStart(3, '0')}`;
  const cost = `${i % 50}.${String(i % 10000).padStart(4, '0')}`;
  const amount = `${i % 9999}.${String(i % 100).padStart(2, '0')}`;
  return `Sku-${i}\t${loc}\t${onHand}\t${cost}\t${amount}\t${status}\n`;
}

/** The lines in chunks of ~64 KB, each ending in a newline. */
function chunks(): Buffer[] {
  const out: Buffer[] = [];
  let text = '';
  for (let i = 0; i < N; i++) {
    text += line(i);
    if (text.length >= 65536) {
      out.push(Buffer.from(text, 'latin1'));
      text = '';
    }
  }
  if (text) out.push(Buffer.from(text, 'latin1'));
  return out;
}

/** Packs every line once; returns the CPU milliseconds it took. */
function packAll(mapping: Mapping, data: Buffer[]): number {
  const normalizer = buildNormalizer(mapping, 'legacy');
  const buffers = new BatchBuffers();
  const packer = new RowPacker(mapping, normalizer.lanes, normalizer.columns.length, buffers);
  const start = process.cpuUsage();
  let refused = 0;
  for (const chunk of data) {
    for (let at = 0; at < chunk.length;) {
      const end = chunk.indexOf(10, at);
      if (!packer.addLine(chunk, at, end)) refused++;
      at = end + 1;
    }
    if (packer.pending >= 5000) buffers.give(packer.take()!.bytes.buffer as ArrayBuffer);
  }
  packer.take();
  const used = process.cpuUsage(start);
  if (refused) throw new Error(`${refused} lines were refused: the bench's lines are all plain.`);
  return (used.user + used.system) / 1000;
}

const data = chunks();
const paths = [
  { name: 'one pass (key in its columns order)', mapping: benchMapping(['sku', 'loc']), best: Infinity },
  { name: 'general (key reversed)', mapping: benchMapping(['loc', 'sku']), best: Infinity },
];
console.log(`pack bench: ${N.toLocaleString('en-US')} lines, ${data.length} chunks, node ${process.version}`);
for (let run = 1; run <= RUNS; run++)
  for (const p of paths) {
    const ms = packAll(p.mapping, data);
    p.best = Math.min(p.best, ms);
    console.log(`run ${run}, ${p.name}: ${ms.toFixed(0)} ms CPU, ${((ms * 1e6) / N).toFixed(0)} ns a line`);
  }
const [one, general] = paths;
console.log(
  `best: one pass ${one!.best.toFixed(0)} ms, general ${general!.best.toFixed(0)} ms, ratio ${(one!.best / general!.best).toFixed(2)}`,
);

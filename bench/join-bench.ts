/**
 * The join alone: `npm run bench:join -- [--rows N] [--runs K] [--spill]`. Packs N rows per side of
 * the reconcile bench's shape (key sku + loc, three decimals and a status; 1 in 600 rows differing
 * in on_hand, 1 in 600 missing in the cloud) into partitions as the reader threads do, then times
 * the engine's join of every partition on this one thread (`joinSource`), K times, printing each
 * run and the differences found. With --spill the partitions are written to a store's spill files
 * first, so the time includes reading them back. Run it on two builds to compare their joins.
 */
import { parseArgs } from 'node:util';
import { benchMapping } from './bench-mapping.js';
import { compilePlan, joinSource, PARTITIONS, zeroCounts } from '../src/reconcilers/compare.js';
import { RowPacker } from '../src/reconcilers/parallel-pack.js';
import { PartitionReader, PartitionStore, type PartitionSource } from '../src/reconcilers/partition-store.js';
import type { CanonicalRow } from '../src/reconcilers/types.js';
import { benchArgs, wholeNumber } from './bench-args.js';

const USAGE = `Usage: npm run bench:join -- [--rows N] [--runs K] [--spill]

  --rows N    rows per side (default 1000000)
  --runs K    times the join is timed (default 5)
  --spill     write the partitions to a store's spill files first and read them back
  -h, --help  this text`;

const { values } = benchArgs(USAGE, () =>
  parseArgs({
    options: {
      rows: { type: 'string', default: '1000000' },
      runs: { type: 'string', default: '5' },
      spill: { type: 'boolean', default: false },
    },
  }),
);
const N = wholeNumber(USAGE, '--rows', values.rows);
const RUNS = wholeNumber(USAGE, '--runs', values.runs);

const mapping = benchMapping();

function row(i: number, cloud: boolean): CanonicalRow {
  return {
    sku: `SKU${String(i).padStart(8, '0')}`,
    loc: `L${i % 97}`,
    on_hand: `${(i % 1000) + (cloud && i % 600 === 1 ? 1 : 0)}.000`,
    unit_cost: `${i % 50}.2500`,
    amount: `${i % 9999}.10`,
    status: 'ACTIVE',
  };
}

/** Both sides packed as the reader threads pack them, one batch per side. */
function pack(cloud: boolean) {
  const packer = new RowPacker(mapping);
  for (let i = 0; i < N; i++) if (!(cloud && i % 600 === 2)) packer.add(row(i, cloud));
  return packer.take()!;
}

const legacy = pack(false);
const cloud = pack(true);
const options = { memoryBytes: 512 << 20, partitionBytes: 64 << 20, partitions: PARTITIONS };

/** The partitions to join: in memory, or through a store that spilled them. */
function sources(): { list: PartitionSource[]; dispose: () => void } {
  if (!values.spill) {
    const list: PartitionSource[] = [];
    for (let p = 0; p < PARTITIONS; p++)
      list.push({
        legacy: legacy.bytes.subarray(legacy.offsets[p], legacy.offsets[p + 1]),
        cloud: cloud.bytes.subarray(cloud.offsets[p], cloud.offsets[p + 1]),
      });
    return { list, dispose: () => undefined };
  }
  const store = new PartitionStore({ ...options, forceSpill: true });
  for (const [side, batch] of [legacy, cloud].entries())
    for (let p = 0; p < PARTITIONS; p++)
      store.addBytes(side as 0 | 1, p, batch.bytes.subarray(batch.offsets[p], batch.offsets[p + 1]));
  return { list: [...store.sources()], dispose: () => store.dispose() };
}

const plan = compilePlan(mapping);
console.log(
  `join bench: ${N.toLocaleString('en-US')} rows per side, ${values.spill ? 'spilled' : 'in memory'}, node ${process.version}`,
);
for (let run = 1; run <= RUNS; run++) {
  const { list, dispose } = sources();
  const reader = new PartitionReader(options);
  const counts = zeroCounts();
  let differences = 0;
  const start = process.hrtime.bigint();
  for (const s of list) for (const d of joinSource(plan, reader, s, counts, {})) if (d) differences++;
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  dispose();
  console.log(
    `run ${run}: ${ms.toFixed(0)} ms, ${differences.toLocaleString('en-US')} differences, ${counts.matched.toLocaleString('en-US')} matched`,
  );
}

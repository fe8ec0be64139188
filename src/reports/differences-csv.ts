import type { Mapping } from '../config/mapping-schema.js';
import type { ControlStore } from '../store/control-store.js';
import type { Difference } from '../reconcilers/types.js';
import { csvCell, csvLine } from './csv-escape.js';
import {
  countDifferences,
  sampleDifferences,
  streamDifferences,
  type DifferenceCounts,
} from '../store/differences.js';
import { FieldKinds } from './field-kinds.js';
import { CLASS_SHEETS } from './detail-layout.js';
import { writeAtomically } from './atomic-file.js';
import { OutputFile } from './output-file.js';

/**
 * Writes differences.csv: every difference of the run, streamed from the control store. A mismatch
 * gives one line per differing field (legacy, cloud, delta); a missing or duplicate row gives one
 * line whose legacy/cloud cell holds the row as JSON; an unbalanced journal puts debit/credit as
 * JSON in its side's cell and the imbalance in delta. `seq` ties the lines of one difference
 * together. Cells are escaped as OWASP describes (see csvCell). Returns the number of lines.
 */
export async function writeDifferencesCsv(opts: {
  store: ControlStore;
  runId: string;
  mapping?: Mapping;
  file: string;
  /** The run's counts per type, when the caller has them already (saves a scan). */
  counts?: DifferenceCounts;
}): Promise<number> {
  const { store, runId, mapping } = opts;
  const counts = opts.counts ?? (await countDifferences(store, runId));
  const samples = await sampleDifferences(
    store,
    runId,
    CLASS_SHEETS.map((c) => c.type).filter((t) => (counts[t] ?? 0) > 0),
  );
  const kinds = new FieldKinds(mapping, samples);
  const keyFields = [...new Set([...(mapping?.key ?? []), ...samples.flatMap((d) => Object.keys(d.key))])];
  const numericKey = keyFields.map((f) => mapping?.fields[f] !== undefined && kinds.get(f).kind === 'number');
  const isNumber = (field: string) => kinds.get(field).kind === 'number';
  let lines = 0;
  await writeAtomically(opts.file, async (tmp) => {
    // Its first error (a full disk) fails the next write, or the end, naming the file.
    const out = new OutputFile(tmp);
    const write = async (cells: string[]) => {
      lines++;
      await out.push(csvLine(cells));
    };
    try {
      await out.push(
        csvLine(['seq', 'type', ...keyFields, 'field', 'legacy', 'cloud', 'delta', 'side', 'count'].map((h) => csvCell(h))),
      );
      for await (const { seq, diff } of streamDifferences(store, runId)) {
        const head = [
          csvCell(seq, true),
          csvCell(diff.type),
          ...keyFields.map((f, i) => csvCell(diff.key[f], numericKey[i])),
        ];
        for (const tail of tails(diff, isNumber)) await write([...head, ...tail]);
      }
      await out.end();
    } finally {
      out.stream.destroy();
    }
  });
  return lines;
}

function tails(d: Difference, isNumber: (f: string) => boolean): string[][] {
  switch (d.type) {
    case 'mismatch':
      return Object.entries(d.fields).map(([f, v]) => [
        csvCell(f),
        csvCell(v.legacy, isNumber(f)),
        csvCell(v.cloud, isNumber(f)),
        csvCell(v.delta, true),
        '',
        '',
      ]);
    case 'unbalanced_journal': {
      const b = JSON.stringify({ debit: d.balance.debit, credit: d.balance.credit });
      return [
        [
          csvCell('balance'),
          csvCell(d.side === 'legacy' ? b : ''),
          csvCell(d.side === 'cloud' ? b : ''),
          csvCell(d.balance.difference, true),
          csvCell(d.side),
          '',
        ],
      ];
    }
    case 'missing_in_cloud':
      return [['', csvCell(JSON.stringify(d.legacy)), '', '', '', '']];
    case 'missing_in_legacy':
      return [['', '', csvCell(JSON.stringify(d.cloud)), '', '', '']];
    case 'duplicate_key':
      return [
        [
          '',
          csvCell(d.side === 'legacy' ? JSON.stringify(d.legacy) : ''),
          csvCell(d.side === 'cloud' ? JSON.stringify(d.cloud) : ''),
          '',
          csvCell(d.side),
          csvCell(d.count, true),
        ],
      ];
  }
}

import { ACCOUNTS, COMPANY, DAYS } from './retailer.js';
import { type DemoContext, centsText } from './demo-context.js';
import { emptyExpected, type DomainExpected, type PlantedFault } from './demo-expected.js';

type Account = keyof typeof ACCOUNTS;
interface Line {
  account: Account;
  /** Signed cents, debit positive. */
  cents: number;
  text: string;
}

const DAY = 86_400_000;

/**
 * GL journals on both sides: store sales, refund batches, receipts, cost of sales and marketplace
 * settlements, each balanced. Planted: a marketplace settlement the retried integration posted
 * twice in the cloud (duplicate_key on each of its lines), and a refund batch that does not balance
 * in legacy, a cent short, where the cloud migration added a rounding line (unbalanced_journal on
 * legacy, and that line missing in legacy).
 */
export function generatePostings(ctx: DemoContext): { expected: DomainExpected; planted: PlantedFault[] } {
  const { prng, sizes, legacy, cloud } = ctx;
  const e = emptyExpected();
  const insLegacy = legacy.prepare('INSERT INTO LEDGERJOURNALTRANS VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const insCloud = cloud.prepare('INSERT INTO journal_lines VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?)');

  // Fixed positions, so every seed has exactly one of each planted journal.
  const duplicateAt = prng.int(0, sizes.journals - 1);
  let unbalancedAt = prng.int(0, sizes.journals - 1);
  if (unbalancedAt === duplicateAt) unbalancedAt = (unbalancedAt + 1) % sizes.journals;
  let duplicate = { journal: '', lines: 0 };
  let unbalanced = '';

  for (let j = 0; j < sizes.journals; j++) {
    const journal = `GJ${String(100001 + j)}`;
    const date = new Date(ctx.firstDayWall + prng.int(0, DAYS - 1) * DAY).toISOString().slice(0, 10);
    const kind = j === duplicateAt ? 4 : j === unbalancedAt ? 1 : weightedKind(prng.next());
    const lines = journalLines(kind, prng.int.bind(prng));
    const cloudLines = lines.map((l) => ({ ...l }));
    if (j === unbalancedAt) {
      // Legacy credited the till a cent more than it debited; the cloud posted the cent to rounding.
      lines[2]!.cents -= 1;
      cloudLines[2]!.cents -= 1;
      cloudLines.push({ account: '7900', cents: 1, text: 'Rounding difference' });
      unbalanced = journal;
      e.missingInLegacy++;
    }
    lines.forEach((l, n) => {
      insLegacy.run(
        COMPANY,
        journal,
        n + 1,
        l.account,
        date,
        Math.abs(l.cents),
        l.cents < 0 ? 'C' : 'D',
        l.text,
      );
      e.legacyRows++;
    });
    const postings = j === duplicateAt ? 2 : 1;
    for (let p = 0; p < postings; p++)
      cloudLines.forEach((l, n) => {
        insCloud.run(
          journal,
          n + 1,
          ACCOUNTS[l.account],
          date,
          centsText(Math.max(l.cents, 0)),
          centsText(Math.max(-l.cents, 0)),
          centsText(l.cents),
          l.text,
        );
        e.cloudRows++;
      });
    if (j === duplicateAt) {
      duplicate = { journal, lines: lines.length };
      e.duplicateKeys += lines.length;
    } else e.matched += lines.length;
  }
  e.unbalancedJournals = { legacy: 1, cloud: 0 };

  const planted: PlantedFault[] = [
    {
      domain: 'postings',
      fault: `journal ${duplicate.journal} posted twice in the cloud by a retried integration`,
      rows: duplicate.lines,
      shows: 'duplicate_key on each of its lines (cloud side)',
      reported: true,
      detail: { journal: duplicate.journal },
      causes: [
        {
          kind: 'duplicate_posting',
          count: duplicate.lines,
          evidence: { side: 'cloud' },
          where: { journal: duplicate.journal },
        },
      ],
    },
    {
      domain: 'postings',
      fault: `journal ${unbalanced} does not balance in legacy (a cent short; the cloud added a rounding line)`,
      rows: 1,
      shows: 'unbalanced_journal (legacy) and its rounding line missing_in_legacy',
      reported: true,
      detail: { journal: unbalanced },
      // The journal a cent short and the rounding line only the cloud has: both within a cent.
      causes: [
        { kind: 'rounding', count: 2, evidence: { maxDelta: '0.01' }, where: { journal: unbalanced } },
      ],
    },
  ];
  return { expected: e, planted };
}

/** 0 store sales, 1 refund batch, 2 receipt, 3 cost of sales, 4 marketplace settlement. */
function weightedKind(r: number): number {
  return r < 0.4 ? 0 : r < 0.6 ? 1 : r < 0.75 ? 2 : r < 0.9 ? 3 : 4;
}

function journalLines(kind: number, int: (a: number, b: number) => number): Line[] {
  const net = int(50_000, 2_500_000);
  const tax = Math.floor((net * 888 + 5000) / 10000);
  switch (kind) {
    case 0:
      return [
        { account: '1100', cents: net + tax, text: 'Store takings' },
        { account: '4000', cents: -net, text: 'Sales' },
        { account: '2200', cents: -tax, text: 'Sales tax' },
      ];
    case 1:
      return [
        { account: '4100', cents: net, text: 'Refunds' },
        { account: '2200', cents: tax, text: 'Sales tax on refunds' },
        { account: '1100', cents: -(net + tax), text: 'Refunds paid out' },
      ];
    case 2:
      return [
        { account: '1400', cents: net, text: 'Goods received' },
        { account: '2100', cents: -net, text: 'Goods received not invoiced' },
      ];
    case 3:
      return [
        { account: '5000', cents: net, text: 'Cost of goods sold' },
        { account: '1400', cents: -net, text: 'Inventory relief' },
      ];
    default: {
      const fee = Math.floor(net / 8);
      const ads = Math.floor(net / 40);
      return [
        { account: '1120', cents: -net, text: 'Marketplace settlement' },
        { account: '1000', cents: net - fee - ads, text: 'Payout' },
        { account: '6100', cents: fee, text: 'Marketplace fees' },
        { account: '6110', cents: ads, text: 'Marketplace advertising' },
      ];
    }
  }
}

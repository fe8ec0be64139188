import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeTableWorkbook, type TableRow } from '../../../src/reports/simple-workbook.js';

let dir = '';
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-simple-wb-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('writeTableWorkbook', () => {
  // Linux: every write to /dev/full fails with ENOSPC. ExcelJS heard its file's errors only inside
  // commit(): a disk that filled part-way through a sheet left commit() unsettled (exit code 13).
  it.skipIf(!fs.existsSync('/dev/full'))(
    'a disk that fills part-way through a sheet: a clear error, and the rows stop there',
    async () => {
      let read = 0;
      // Rows as a database gives them: in pages, with I/O between them.
      async function* rows(): AsyncGenerator<TableRow> {
        for (let i = 0; i < 200_000; i++, read++) {
          if (i % 500 === 0) await new Promise((r) => setImmediate(r));
          yield { key: `key-${i}`, n: String(i) };
        }
      }
      const write = writeTableWorkbook({
        file: '/dev/full',
        title: 'Full disk',
        summary: [],
        sheets: [{ name: 'Rows', columns: [{ key: 'key', header: 'Key' }, { key: 'n', header: 'N', kind: 'number' }], rows: rows() }],
      });
      await expect(write).rejects.toThrow(/the disk is full/);
      expect(read).toBeLessThan(200_000);
    },
    30_000,
  );

  it('writes a Summary with amounts and typed, capped table sheets', async () => {
    const file = path.join(dir, 'replay.xlsx');
    async function* failed(): AsyncGenerator<TableRow> {
      for (let i = 0; i < 5; i++)
        yield { id: `evt-${i}`, amount: `-${i}.50`, at: '2026-11-25T14:03:11Z', error: '=cmd|x', attempts: i };
    }
    const res = await writeTableWorkbook({
      file,
      title: 'Replay p_1',
      status: { pass: false, text: '2 events failed' },
      summary: [
        { label: 'Applied', value: 4990 },
        { label: 'Refunds parked', value: '1234.50', kind: 'number', scale: 2, currency: 'EUR' },
      ],
      sheets: [
        {
          name: 'Failed',
          columns: [
            { key: 'id', header: 'Event' },
            { key: 'amount', header: 'Amount', kind: 'number', scale: 2 },
            { key: 'at', header: 'Occurred (UTC)', kind: 'timestamp' },
            { key: 'error', header: 'Last error' },
            { key: 'attempts', header: 'Attempts', kind: 'number' },
          ],
          rows: failed(),
          highlight: (r) => r.attempts === 4,
          rowCap: 3,
        },
      ],
      completeDetail: ['reports/p_1/events.jsonl'],
    });
    expect(res.sheets).toEqual([{ name: 'Failed', shown: 3, total: 5 }]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'Failed']);
    const s = wb.getWorksheet('Summary')!;
    expect(s.getRow(2).getCell(2).value).toBe('FAIL');
    const parked = s.getRow(5);
    expect(parked.getCell(1).value).toBe('Refunds parked');
    expect(parked.getCell(2).value).toBe(1234.5);
    expect(parked.getCell(2).numFmt).toBe('[$EUR] #,##0.00;[Red]-[$EUR] #,##0.00');
    const texts: string[] = [];
    s.eachRow((r) => r.eachCell((c) => texts.push(String(c.value))));
    expect(texts.join('\n')).toContain('CAPPED: Failed shows the first 3 of 5 rows');
    expect(texts.join('\n')).toContain('reports/p_1/events.jsonl');
    const f = wb.getWorksheet('Failed')!;
    expect(f.rowCount).toBe(4);
    expect(f.getRow(3).getCell(2).value).toBe(-1.5);
    expect(f.getRow(3).getCell(2).numFmt).toBe('#,##0.00;[Red]-#,##0.00');
    expect(f.getRow(3).getCell(3).type).toBe(ExcelJS.ValueType.Date);
    expect(f.getRow(3).getCell(4).type).toBe(ExcelJS.ValueType.String);
    expect(f.getRow(3).getCell(4).value).toBe('=cmd|x');
    expect(f.getRow(3).getCell(5).value).toBe(1);
    // the same finish as the reconciliation workbook: filter over the written rows, frozen header,
    // header on every printed page, figures' headers right-aligned over them
    expect(f.autoFilter).toBe('A1:E4');
    expect(f.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(f.pageSetup).toMatchObject({ orientation: 'landscape', fitToWidth: 1, fitToHeight: 0, printTitlesRow: '1:1' });
    expect(f.getRow(1).getCell(2).alignment?.horizontal).toBe('right');
    expect(f.getRow(1).getCell(1).alignment?.horizontal).toBe('left');
  });

  it('fits long Summary labels in the first column', async () => {
    const file = path.join(dir, 'rollback.xlsx');
    const label = "refund.issued: tax_amount (replay's net effect)";
    await writeTableWorkbook({ file, title: 'Rollback plan', summary: [{ label, value: '230.14', kind: 'number', scale: 2 }], sheets: [] });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect(wb.getWorksheet('Summary')!.getColumn(1).width).toBeGreaterThanOrEqual(label.length);
  });
});

/** Excel's limit on the characters in one cell. */
export const EXCEL_CELL_CHARS = 32_767;

// Characters XML 1.0 cannot carry: a cell holding one would make the whole workbook unreadable.
// eslint-disable-next-line no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** ERP text made safe for a workbook cell: XML-invalid characters replaced, cut to Excel's cell limit (and says so). */
export function cellText(value: string): { text: string; truncated: boolean } {
  const clean = value.replace(XML_INVALID, '\uFFFD');
  if (clean.length <= EXCEL_CELL_CHARS) return { text: clean, truncated: false };
  const marker = ' …[truncated: the full value is in differences.csv]';
  return { text: clean.slice(0, EXCEL_CELL_CHARS - marker.length) + marker, truncated: true };
}

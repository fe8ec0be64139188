/** Helpers shared by the SQL adapters: identifier quoting and the SELECT a ReadRequest becomes. */

export type QuoteFn = (identifier: string) => string;

/** Quotes a possibly schema-qualified name part by part ("dbo.INVENTSUM" → "dbo"."INVENTSUM"). */
export function quoteQualified(name: string, quote: QuoteFn): string {
  // A name with spaces or `$` (NAV's `CRONUS$Item Ledger Entry`) is one part unless it has a dot.
  return name
    .split('.')
    .map((part) => quote(part))
    .join('.');
}

export const quoteDouble: QuoteFn = (id) => `"${id.replace(/"/g, '""')}"`;
export const quoteBracket: QuoteFn = (id) => `[${id.replace(/]/g, ']]')}]`;

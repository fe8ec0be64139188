/** Hands out valid, unique Excel sheet names (≤ 31 characters, none of `[]:*?/\`, case-insensitively unique). */
export class SheetNames {
  private readonly taken = new Set<string>(['history']);

  /** A sheet name close to `wanted`, unique in this workbook. */
  take(wanted: string): string {
    const base =
      wanted
        .replace(/[[\]:*?/\\]/g, ' ')
        .replace(/^'+|'+$/g, '')
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, 31) || 'Sheet';
    const title = base.charAt(0).toUpperCase() + base.slice(1);
    let name = title;
    for (let n = 2; this.taken.has(name.toLowerCase()); n++) name = `${title.slice(0, 31 - String(n).length - 1)} ${n}`;
    this.taken.add(name.toLowerCase());
    return name;
  }
}

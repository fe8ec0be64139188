// The report formats and their file names: a module without the writers, so the CLI's flag
// definitions and the config schema can name the formats without loading exceljs.

export type ReportFormat = 'xlsx' | 'json' | 'md' | 'csv';
export const REPORT_FORMATS: readonly ReportFormat[] = ['xlsx', 'json', 'md', 'csv'];

/** What `reconcile` writes when neither `--report` nor `report.formats` in cutover.yaml says. */
export const DEFAULT_REPORT_FORMATS: readonly ReportFormat[] = ['xlsx', 'json'];

/** The file each format is written to inside a run's report folder. */
export const REPORT_FILES: Record<ReportFormat, string> = {
  xlsx: 'reconciliation.xlsx',
  json: 'reconciliation.json',
  md: 'reconciliation.md',
  csv: 'differences.csv',
};

// The report formats are named in cutover.yaml, so they are defined with the config
// (src/config/report-formats.ts); the report writers import them from here.
export * from '../config/report-formats.js';

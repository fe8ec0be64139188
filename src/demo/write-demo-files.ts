import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuiltDemo } from './build-demo-databases.js';
import { UsageError } from '../errors.js';

/** The demo's mapping files, shipped in the package at mappings/demo/. */
export const DEMO_MAPPINGS = ['inventory.yaml', 'refunds.yaml', 'postings.yaml', 'events.yaml'];

/** The first line of the demo's cutover.yaml: how a rerun knows the folder is a demo's. */
export const DEMO_MARKER = '# The cutover demo:';

const CUTOVER_YAML = `${DEMO_MARKER} an East Coast specialty retailer moving from an on-premise ERP (legacy.db,
# shaped like Dynamics AX 2012) to a cloud ERP (cloud.db). Both are SQLite files in this folder.
# \`cutover demo\` rebuilt them; edit freely, then run \`cutover reconcile --all\` again.
connections:
  legacy: { url: "sqlite:legacy.db", readOnly: true }   # only ever read; replay and rollback refuse it
  cloud: { url: "sqlite:cloud.db" }
control: { url: "sqlite:.cutover/control.db" }          # runs, differences and exceptions accumulate here
mappings: mappings/
reports: reports/
`;

/** Refuses a folder whose cutover.yaml the demo did not write: a real project must never be overwritten. */
export function assertDemoFolder(dir: string): void {
  const file = path.join(dir, 'cutover.yaml');
  if (!fs.existsSync(file)) return;
  if (fs.readFileSync(file, 'utf8').startsWith(DEMO_MARKER)) return;
  throw new UsageError(
    `${file} exists and was not written by \`cutover demo\`: the demo will not overwrite a project.`,
    'Give the demo its own folder with --dir (the default is ./cutover-demo).',
  );
}

/** Where the package keeps its shipped mappings (works from src/ under vitest and from dist/). */
export function shippedMappingsDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'mappings', 'demo');
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(candidate)) return candidate;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('the shipped mappings/demo folder is missing from the cutover package');
    dir = up;
  }
}

/**
 * Writes cutover.yaml, the demo's mappings, last night's events and what was planted. Every file
 * is written whole and renamed into place, so a second run replaces them cleanly.
 */
export function writeDemoFiles(dir: string, built: BuiltDemo): { files: string[] } {
  const files: string[] = [];
  const put = (rel: string, text: string) => {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
    files.push(file);
  };
  put('cutover.yaml', CUTOVER_YAML);
  const source = shippedMappingsDir();
  for (const name of DEMO_MAPPINGS)
    put(path.join('mappings', name), fs.readFileSync(path.join(source, name), 'utf8'));
  put('events.jsonl', built.events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  put('expected.json', JSON.stringify(built.expected, null, 2) + '\n');
  return { files };
}

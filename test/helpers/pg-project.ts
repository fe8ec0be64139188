import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createTestDatabase } from './pg.js';

/** A cutover project on a fresh PostgreSQL database: both connections on it, a SQLite control store. */
export interface PgProject {
  dir: string;
  url: string;
  client: pg.Client;
  cleanup(): Promise<void>;
}

/**
 * Creates a database (running `setupSql` in it) and a project folder with these mappings
 * (name → YAML) whose `legacy` (read-only) and `cloud` connections both point at it.
 */
export async function createPgProject(
  prefix: string,
  setupSql: string,
  mappings: Record<string, string>,
): Promise<PgProject> {
  const db = await createTestDatabase(prefix);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(setupSql);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  fs.mkdirSync(path.join(dir, 'mappings'));
  for (const [name, yaml] of Object.entries(mappings))
    fs.writeFileSync(path.join(dir, 'mappings', `${name}.yaml`), yaml);
  fs.writeFileSync(
    path.join(dir, 'cutover.yaml'),
    `connections:\n  legacy: { url: "${db.url}", readOnly: true }\n  cloud: { url: "${db.url}" }\ncontrol: { url: "sqlite:.cutover/control.db" }\nmappings: mappings/\nreports: reports/\n`,
  );
  return {
    dir,
    url: db.url,
    client,
    async cleanup() {
      await client.end();
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
